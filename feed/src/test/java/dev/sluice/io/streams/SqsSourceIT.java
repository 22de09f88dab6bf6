package dev.sluice.io.streams;


import dev.sluice.io.aws.Aws;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.sluice.feed.Feeds;
import dev.sluice.core.model.RawRecord;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.util.CoderUtils;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.joda.time.Duration;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@link SqsSource}'s deletes against a real SQS (ElasticMQ, started here): deleting at
 * checkpoints removes exactly the messages a finalized checkpoint covers, after its checkpoint
 * mark went through the coder as a runner stores it; a checkpoint never finalized leaves its
 * messages to come again; the default source deletes nothing itself.
 */
public class SqsSourceIT {
  private static final AtomicInteger QUEUES = new AtomicInteger();
  private static SQSRestServer server;
  private static Aws aws;

  @BeforeClass
  public static void start() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    server = SQSRestServerBuilder.withPort(port).withInterface("127.0.0.1").start();
    server.waitUntilStarted();
    System.setProperty("aws.accessKeyId", "sluice");
    System.setProperty("aws.secretAccessKey", "sluice");
    aws = Aws.forService("sqs", Map.of("AWS_ENDPOINT_URL_SQS", "http://127.0.0.1:" + port));
  }

  @AfterClass
  public static void stop() {
    if (server != null) {
      server.stopAndWait();
    }
  }

  private static String newQueue(int messages) {
    try (SqsClient c = aws.sqs()) {
      String url = c.createQueue(b -> b.queueName("q" + QUEUES.incrementAndGet())).queueUrl();
      for (int i = 0; i < messages; i++) {
        String body = "{\"event_uuid\":\"u-" + i + "\"}";
        c.sendMessage(b -> b.queueUrl(url).messageBody(body));
      }
      return url;
    }
  }

  /** Visible and in-flight messages. */
  private static long[] depth(String url) {
    try (SqsClient c = aws.sqs()) {
      Map<QueueAttributeName, String> a = c.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
          QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
          QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE)).attributes();
      return new long[] {
        Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES)),
        Long.parseLong(a.get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
      };
    }
  }

  private static SqsSource source(String url, int visibilitySeconds) throws IOException {
    Path spec = Paths.get("..", "testdata", "events", "spec.json");
    EventTimeWatermark watermark = new EventTimeWatermark(Feeds.load(spec.toString()),
        Duration.standardMinutes(1), Duration.standardSeconds(5), false);
    return new SqsSource(aws, url, visibilitySeconds, watermark);
  }

  /** Reads until {@code n} records came (or 30 s passed); returns their message ids. */
  private static List<String> read(UnboundedSource.UnboundedReader<RawRecord> reader, int n,
      boolean started) throws IOException {
    List<String> ids = new ArrayList<>();
    long deadline = System.currentTimeMillis() + 30_000;
    boolean got = started ? reader.advance() : reader.start();
    while (ids.size() < n && System.currentTimeMillis() < deadline) {
      if (got) {
        ids.add(reader.getCurrent().sourceId());
      }
      if (ids.size() < n) {
        got = reader.advance();
      }
    }
    return ids;
  }

  /** The mark as the runner keeps it: encoded, then decoded before it is finalized. */
  private static UnboundedSource.CheckpointMark stored(SqsSource source,
      UnboundedSource.CheckpointMark mark) throws IOException {
    @SuppressWarnings("unchecked")
    Coder<UnboundedSource.CheckpointMark> coder =
        (Coder<UnboundedSource.CheckpointMark>) (Coder<?>) source.getCheckpointMarkCoder();
    return CoderUtils.decodeFromByteArray(coder, CoderUtils.encodeToByteArray(coder, mark));
  }

  @Test
  public void aFinalizedCheckpointDeletesExactlyItsMessages() throws Exception {
    String url = newQueue(30);
    SqsSource source = source(url, 30).deletingAtCheckpoints();
    try (UnboundedSource.UnboundedReader<RawRecord> reader =
        source.createReader(PipelineOptionsFactory.create(), null)) {
      List<String> first = read(reader, 20, false);
      UnboundedSource.CheckpointMark markA = stored(source, reader.getCheckpointMark());
      List<String> second = read(reader, 10, true);
      UnboundedSource.CheckpointMark markB = stored(source, reader.getCheckpointMark());
      assertEquals(20, first.size());
      assertEquals(10, second.size());
      assertEquals(30, new TreeSet<>(concat(first, second)).size());
      assertEquals("all read, none deleted yet", 30, depth(url)[1]);

      markA.finalizeCheckpoint();
      assertEquals("the first checkpoint's 20 are gone", 10, depth(url)[1]);
      markB.finalizeCheckpoint();
      assertEquals(0, depth(url)[0]);
      assertEquals(0, depth(url)[1]);
    }
  }

  @Test
  public void messagesOfACheckpointNeverFinalizedComeAgain() throws Exception {
    String url = newQueue(5);
    SqsSource source = source(url, 2).deletingAtCheckpoints();
    List<String> before;
    try (UnboundedSource.UnboundedReader<RawRecord> reader =
        source.createReader(PipelineOptionsFactory.create(), null)) {
      before = read(reader, 5, false);
      reader.getCheckpointMark(); // a checkpoint that never completes: the task died
    }
    Thread.sleep(2500); // the visibility timeout runs out
    try (UnboundedSource.UnboundedReader<RawRecord> reader =
        source.createReader(PipelineOptionsFactory.create(), null)) {
      List<String> again = read(reader, 5, false);
      assertEquals(new TreeSet<>(before), new TreeSet<>(again));
      stored(source, reader.getCheckpointMark()).finalizeCheckpoint();
    }
    assertEquals(0, depth(url)[0]);
    assertEquals(0, depth(url)[1]);
  }

  @Test
  public void theDefaultSourceLeavesDeletingToTheStoreStep() throws Exception {
    String url = newQueue(4);
    SqsSource source = source(url, 30);
    try (UnboundedSource.UnboundedReader<RawRecord> reader =
        source.createReader(PipelineOptionsFactory.create(), null)) {
      List<String> ids = read(reader, 4, false);
      assertEquals(4, ids.size());
      stored(source, reader.getCheckpointMark()).finalizeCheckpoint();
    }
    long[] d = depth(url);
    assertTrue(d[0] + " visible", d[0] == 0);
    assertEquals("still in flight, not deleted", 4, d[1]);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
