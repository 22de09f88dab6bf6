package dev.sluice.cli;

import dev.sluice.feed.Input;
import dev.sluice.io.SluiceException;
import dev.sluice.feed.SluicePipeline;
import dev.sluice.io.aws.Aws;
import dev.sluice.cli.generate.EventGenerator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.ResourceNotFoundException;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * {@code sluice send}: the event bot. Pushes the lines of files, or generated events, into a
 * Kinesis stream or an SQS queue, creating it when missing. Endpoints and region come from the
 * environment as for {@code run} (see {@code sluice sandbox}).
 */
@Command(name = "send", mixinStandardHelpOptions = true,
    description = "Send lines of files, or generated events, to kinesis://STREAM or sqs://QUEUE.")
final class SendCommand implements Callable<Integer> {
  private final PrintStream out;

  @Option(names = "--to", required = true, description = "kinesis://STREAM or sqs://QUEUE")
  String to;

  @Option(names = "--input", description = "Local glob of files whose lines are sent.")
  String input;

  @Option(names = "--generate", description = "Send N generated events of the events feed.")
  Long generate;

  @Option(names = "--seed", defaultValue = "1", description = "Seed of generated events.")
  long seed;

  @Option(names = "--duplicates", defaultValue = "0.0",
      description = "Share of generated events sent again (0 to 1).")
  double duplicates;

  @Option(names = "--broken", defaultValue = "0.0",
      description = "Share of generated lines that are broken (0 to 1).")
  double broken;

  @Option(names = "--shards", defaultValue = "2",
      description = "Shards of a Kinesis stream created by send (default 2).")
  int shards;

  SendCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    if ((input == null) == (generate == null)) {
      throw new SluiceException("say either --input=GLOB or --generate=N");
    }
    List<String> lines = input != null ? readLines(input) : generated();
    Input target = Input.parse(to);
    try {
      switch (target.kind) {
        case KINESIS:
          sendKinesis(target.name, lines);
          break;
        case SQS:
          sendSqs(target.name, lines);
          break;
        default:
          throw new SluiceException("--to=" + to + ": say kinesis://STREAM or sqs://QUEUE");
      }
    } catch (SdkException e) {
      throw new SluiceException("cannot send to " + to + ": " + SluiceException.rootCause(e));
    }
    out.println("sent " + lines.size() + " records to " + to);
    return SluiceCli.OK;
  }

  private List<String> generated() {
    if (generate < 0) {
      throw new SluiceException("--generate must not be negative");
    }
    EventGenerator g = new EventGenerator(seed, 1_710_000_000L, duplicates, broken);
    List<String> lines = new ArrayList<>();
    for (long i = 0; i < generate; i++) {
      lines.add(g.next());
    }
    return lines;
  }

  static List<String> readLines(String glob) throws IOException {
    Path abs = Path.of(glob).toAbsolutePath();
    Path dir = abs.getParent();
    PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + abs);
    List<Path> files = new ArrayList<>();
    if (dir != null && Files.isDirectory(dir)) {
      try (Stream<Path> s = Files.list(dir)) {
        s.filter(m::matches).sorted().forEach(files::add);
      }
    }
    if (files.isEmpty()) {
      throw new SluiceException("--input=" + glob + ": no files match");
    }
    // One message per JSON record, whatever the file's shape (JSON lines, one array of
    // records, pretty-printed or back-to-back objects), gzipped or not.
    List<String> lines = new ArrayList<>();
    dev.sluice.core.RecordSplitter splitter = dev.sluice.core.RecordSplitter.json();
    for (Path f : files) {
      try (java.io.InputStream raw = Files.newInputStream(f);
          java.io.InputStream in = f.toString().endsWith(".gz")
              ? new java.util.zip.GZIPInputStream(raw) : raw) {
        splitter.split(in, (payload, line, header) ->
            lines.add(new String(payload, StandardCharsets.UTF_8)));
      }
    }
    return lines;
  }

  private void sendKinesis(String stream, List<String> lines) throws InterruptedException {
    try (KinesisClient k = Aws.forService("kinesis").kinesis()) {
      ensureStream(k, stream);
      List<PutRecordsRequestEntry> batch = new ArrayList<>();
      for (String line : lines) {
        batch.add(PutRecordsRequestEntry.builder()
            .partitionKey(UUID.randomUUID().toString())
            .data(SdkBytes.fromString(line, StandardCharsets.UTF_8))
            .build());
        if (batch.size() == 500) {
          put(k, stream, batch);
          batch = new ArrayList<>();
        }
      }
      put(k, stream, batch);
    }
  }

  private static void put(KinesisClient k, String stream, List<PutRecordsRequestEntry> batch)
      throws InterruptedException {
    List<PutRecordsRequestEntry> pending = batch;
    for (int attempt = 0; !pending.isEmpty(); attempt++) {
      if (attempt == 10) {
        throw new SluiceException("Kinesis refused " + pending.size() + " records ten times");
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

  private void ensureStream(KinesisClient k, String stream) throws InterruptedException {
    try {
      k.describeStreamSummary(b -> b.streamName(stream));
    } catch (ResourceNotFoundException e) {
      k.createStream(b -> b.streamName(stream).shardCount(shards));
      out.println("created Kinesis stream " + stream + " with " + shards + " shards");
    }
    long deadline = System.currentTimeMillis() + 60_000;
    while (k.describeStreamSummary(b -> b.streamName(stream)).streamDescriptionSummary()
        .streamStatus() != StreamStatus.ACTIVE) {
      if (System.currentTimeMillis() > deadline) {
        throw new SluiceException("Kinesis stream " + stream + " did not become active");
      }
      Thread.sleep(200);
    }
  }

  private void sendSqs(String queue, List<String> lines) {
    try (SqsClient sqs = Aws.forService("sqs").sqs()) {
      String url = queue.startsWith("http") ? queue
          : sqs.createQueue(b -> b.queueName(queue)).queueUrl();
      List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
      int id = 0;
      for (String line : lines) {
        batch.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(id++))
            .messageBody(line).build());
        if (batch.size() == 10) {
          sendBatch(sqs, url, batch);
          batch = new ArrayList<>();
        }
      }
      sendBatch(sqs, url, batch);
    }
  }

  private static void sendBatch(SqsClient sqs, String url,
      List<SendMessageBatchRequestEntry> batch) {
    if (batch.isEmpty()) {
      return;
    }
    var r = sqs.sendMessageBatch(b -> b.queueUrl(url).entries(batch));
    if (!r.failed().isEmpty()) {
      throw new SluiceException("SQS refused " + r.failed().size() + " messages: "
          + r.failed().get(0).message());
    }
  }
}
