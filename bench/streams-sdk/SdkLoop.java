import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.GetRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.Shard;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.Message;

/**
 * The bare AWS SDK rate against the same stand-in, for bench/streams: no parsing, no storing.
 *
 * <pre>
 * java -cp sluice.jar SdkLoop.java sqs QUEUE N THREADS      receive 10, delete 10, until N
 * java -cp sluice.jar SdkLoop.java kinesis STREAM N         every shard read concurrently
 * </pre>
 * Endpoints and region come from AWS_ENDPOINT_URL_SQS / _KINESIS and AWS_REGION.
 */
public class SdkLoop {
  public static void main(String[] a) throws Exception {
    Region region = Region.of(System.getenv().getOrDefault("AWS_REGION", "us-east-1"));
    long n = Long.parseLong(a[2]);
    long t0 = System.nanoTime();
    long got;
    if (a[0].equals("sqs")) {
      int threads = a.length > 3 ? Integer.parseInt(a[3]) : 4;
      SqsClient c = SqsClient.builder().region(region)
          .endpointOverride(URI.create(System.getenv("AWS_ENDPOINT_URL_SQS"))).build();
      String url = c.getQueueUrl(b -> b.queueName(a[1])).queueUrl();
      AtomicLong count = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        fs.add(pool.submit(() -> {
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
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      pool.shutdown();
      got = count.get();
    } else {
      KinesisClient k = KinesisClient.builder().region(region)
          .endpointOverride(URI.create(System.getenv("AWS_ENDPOINT_URL_KINESIS"))).build();
      List<Shard> shards = k.listShards(b -> b.streamName(a[1])).shards();
      AtomicLong count = new AtomicLong();
      ExecutorService pool = Executors.newFixedThreadPool(shards.size());
      List<Future<?>> fs = new ArrayList<>();
      for (Shard s : shards) {
        fs.add(pool.submit(() -> {
          String it = k.getShardIterator(b -> b.streamName(a[1]).shardId(s.shardId())
              .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
          int empty = 0;
          while (it != null && count.get() < n && empty < 3) {
            String cur = it;
            GetRecordsResponse r = k.getRecords(b -> b.shardIterator(cur).limit(10000));
            count.addAndGet(r.records().size());
            empty = r.records().isEmpty() ? empty + 1 : 0;
            it = r.nextShardIterator();
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
      pool.shutdown();
      got = count.get();
    }
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf("sdk %s: %d records in %.1f s, %.0f records/s%n", a[0], got, secs,
        got / secs);
  }
}
