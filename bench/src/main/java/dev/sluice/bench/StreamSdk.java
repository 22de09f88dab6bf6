package dev.sluice.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * The bare AWS SDK against the stand-ins of bench/run's stream part: filling a queue or a stream
 * with the lines of a file (several senders, so preparing 100k messages is not the slow part),
 * and the rate of a bare loop that only receives and deletes (SQS) or reads every shard
 * concurrently (Kinesis), beside which Sluice's rate is reported. Endpoints and region come from
 * {@code AWS_ENDPOINT_URL_SQS}, {@code AWS_ENDPOINT_URL_KINESIS} and {@code AWS_REGION}.
 *
 * <pre>
 * StreamSdk --mode=fill-sqs --queue=Q --input=FILE [--threads=4]
 * StreamSdk --mode=fill-kinesis --stream=S --input=FILE [--shards=2]
 * StreamSdk --mode=sqs --queue=Q --count=N [--threads=4]       receive 10, delete 10, until N
 * StreamSdk --mode=kinesis --stream=S --count=N                 every shard concurrently
 * </pre>
 */
public final class StreamSdk {
  private StreamSdk() {}

  public static void main(String[] argv) throws Exception {
    Map<String, String> a = Args.parse(argv);
    Region region = Region.of(System.getenv().getOrDefault("AWS_REGION", "us-east-1"));
    String mode = a.getOrDefault("mode", "");
    int threads = Integer.parseInt(a.getOrDefault("threads", "4"));
    long t0 = System.nanoTime();
    long done;
    switch (mode) {
      case "fill-sqs":
        try (SqsClient c = sqs(region)) {
          done = fillSqs(c, a.get("queue"), Files.readAllLines(Path.of(a.get("input"))), threads);
        }
        break;
      case "fill-kinesis":
        try (KinesisClient k = kinesis(region)) {
          done = fillKinesis(k, a.get("stream"), Integer.parseInt(a.getOrDefault("shards", "2")),
              Files.readAllLines(Path.of(a.get("input"))));
        }
        break;
      case "sqs":
        try (SqsClient c = sqs(region)) {
          done = drainSqs(c, a.get("queue"), Long.parseLong(a.get("count")), threads);
        }
        break;
      case "kinesis":
        try (KinesisClient k = kinesis(region)) {
          done = readKinesis(k, a.get("stream"), Long.parseLong(a.get("count")));
        }
        break;
      default:
        throw new IllegalArgumentException("--mode=fill-sqs|fill-kinesis|sqs|kinesis");
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("sdk %s: %d records in %.1f s, %.0f records/s%n", mode, done, secs,
        done / secs);
  }

  private static SqsClient sqs(Region region) {
    return SqsClient.builder().region(region)
        .endpointOverride(URI.create(System.getenv("AWS_ENDPOINT_URL_SQS"))).build();
  }

  private static KinesisClient kinesis(Region region) {
    return KinesisClient.builder().region(region)
        .endpointOverride(URI.create(System.getenv("AWS_ENDPOINT_URL_KINESIS"))).build();
  }

  private static long fillSqs(SqsClient c, String queue, List<String> lines, int threads)
      throws Exception {
    String url = c.createQueue(b -> b.queueName(queue)).queueUrl();
    AtomicInteger next = new AtomicInteger();
    return parallel(threads, () -> {
      long sent = 0;
      for (int from = next.getAndAdd(10); from < lines.size(); from = next.getAndAdd(10)) {
        List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
        for (int i = from; i < Math.min(from + 10, lines.size()); i++) {
          batch.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i - from))
              .messageBody(lines.get(i)).build());
        }
        if (!c.sendMessageBatch(b -> b.queueUrl(url).entries(batch)).failed().isEmpty()) {
          throw new IllegalStateException("SQS refused part of a batch");
        }
        sent += batch.size();
      }
      return sent;
    });
  }

  private static long fillKinesis(KinesisClient k, String stream, int shards, List<String> lines)
      throws Exception {
    k.createStream(b -> b.streamName(stream).shardCount(shards));
    while (k.describeStreamSummary(b -> b.streamName(stream)).streamDescriptionSummary()
        .streamStatus() != StreamStatus.ACTIVE) {
      Thread.sleep(200);
    }
    AtomicInteger next = new AtomicInteger();
    return parallel(shards, () -> {
      long sent = 0;
      for (int from = next.getAndAdd(500); from < lines.size(); from = next.getAndAdd(500)) {
        List<PutRecordsRequestEntry> pending = new ArrayList<>();
        for (int i = from; i < Math.min(from + 500, lines.size()); i++) {
          pending.add(PutRecordsRequestEntry.builder().partitionKey(UUID.randomUUID().toString())
              .data(SdkBytes.fromString(lines.get(i), StandardCharsets.UTF_8)).build());
        }
        sent += pending.size();
        for (int attempt = 0; !pending.isEmpty(); attempt++) {
          if (attempt == 10) {
            throw new IllegalStateException("Kinesis refused records ten times");
          }
          List<PutRecordsRequestEntry> p = pending;
          PutRecordsResponse r = k.putRecords(b -> b.streamName(stream).records(p));
          List<PutRecordsRequestEntry> retry = new ArrayList<>();
          for (int i = 0; i < r.records().size(); i++) {
            if (r.records().get(i).errorCode() != null) {
              retry.add(p.get(i));
            }
          }
          pending = retry;
          if (!pending.isEmpty()) {
            Thread.sleep(100L << Math.min(attempt, 5));
          }
        }
      }
      return sent;
    });
  }

  private static long drainSqs(SqsClient c, String queue, long n, int threads) throws Exception {
    String url = c.getQueueUrl(b -> b.queueName(queue)).queueUrl();
    AtomicLong count = new AtomicLong();
    parallel(threads, () -> {
      int empty = 0;
      while (count.get() < n && empty < 5) {
        List<Message> ms = c.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(10)
            .waitTimeSeconds(1)).messages();
        if (ms.isEmpty()) {
          empty++;
          continue;
        }
        empty = 0;
        List<DeleteMessageBatchRequestEntry> del = new ArrayList<>();
        for (int j = 0; j < ms.size(); j++) {
          del.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(j))
              .receiptHandle(ms.get(j).receiptHandle()).build());
        }
        c.deleteMessageBatch(b -> b.queueUrl(url).entries(del));
        count.addAndGet(ms.size());
      }
      return 0L;
    });
    return count.get();
  }

  private static long readKinesis(KinesisClient k, String stream, long n) throws Exception {
    List<Shard> shards = k.listShards(b -> b.streamName(stream)).shards();
    AtomicLong count = new AtomicLong();
    AtomicInteger shard = new AtomicInteger();
    parallel(shards.size(), () -> {
      Shard s = shards.get(shard.getAndIncrement());
      String it = k.getShardIterator(b -> b.streamName(stream).shardId(s.shardId())
          .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
      int empty = 0;
      while (it != null && count.get() < n && empty < 3) {
        String cur = it;
        GetRecordsResponse r = k.getRecords(b -> b.shardIterator(cur).limit(10000));
        count.addAndGet(r.records().size());
        empty = r.records().isEmpty() ? empty + 1 : 0;
        it = r.nextShardIterator();
      }
      return 0L;
    });
    return count.get();
  }

  interface Work {
    long run() throws IOException, InterruptedException;
  }

  private static long parallel(int threads, Work w) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Long>> fs = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        fs.add(pool.submit(w::run));
      }
      long sum = 0;
      for (Future<Long> f : fs) {
        sum += f.get();
      }
      return sum;
    } finally {
      pool.shutdown();
    }
  }
}
