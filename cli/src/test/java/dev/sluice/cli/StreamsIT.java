package dev.sluice.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.standins.LocalServices;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Streams on real stand-ins started here: SQS (ElasticMQ) into Postgres with malformed,
 * redelivered and killed-midway runs; Kinesis (kinesalite, two shards) into S3 (S3Proxy)
 * partitions with duplicates spread across shards.
 */
public class StreamsIT {
  public static final TemporaryFolder TMP = new TemporaryFolder();
  public static final StandIns STAND_INS = StandIns.forStreams(TMP);
  @ClassRule public static final RuleChain CHAIN = RuleChain.outerRule(TMP).around(STAND_INS);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static LocalServices.S3 s3;
  private static LocalServices.Sqs sqs;
  private static EmbeddedPostgres pg;
  private static Path keys;
  private static Map<String, String> env;

  @BeforeClass
  public static void makeKeys() throws Exception {
    s3 = STAND_INS.s3();
    sqs = STAND_INS.sqs();
    pg = STAND_INS.pg();
    env = STAND_INS.env();
    keys = TMP.getRoot().toPath().resolve("keys.json");
    assertEquals(0, Cli.run("keys", "new", "--out=" + keys).exit);
  }

  private static String jdbc(String db) throws Exception {
    return STAND_INS.database(db);
  }

  private static long count(String db, String sql) throws Exception {
    try (Connection c = pg.getDatabase("postgres", db).getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static SqsClient sqsClient() {
    return SqsClient.builder()
        .endpointOverride(java.net.URI.create(sqs.endpoint()))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(LocalServices.ACCESS_KEY, LocalServices.SECRET_KEY)))
        .build();
  }

  private static long queueDepth(String queue) {
    try (SqsClient c = sqsClient()) {
      String url = c.getQueueUrl(b -> b.queueName(queue)).queueUrl();
      Map<QueueAttributeName, String> a = c.getQueueAttributes(b -> b.queueUrl(url)
          .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
      return a.values().stream().mapToLong(Long::parseLong).sum();
    }
  }

  /** Login messages, with every tenth one malformed; written here, not by Sluice. */
  private static List<String> logins(int n, long seed) {
    Random r = new Random(seed);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      if (i % 10 == 9) {
        lines.add(i % 20 == 9 ? "not json " + i : "{\"foo\": \"oops_wrong_msg_format\"}");
      } else {
        lines.add("{\"user_id\": \"u" + i + "\", \"app_version\": \"2.3.0\", \"device_type\":"
            + " \"android\", \"ip\": \"10.1." + r.nextInt(250) + "." + r.nextInt(250)
            + "\", \"locale\": \"RU\", \"device_id\": \"" + (100 + r.nextInt(900)) + "-"
            + (10 + r.nextInt(90)) + "-" + (1000 + r.nextInt(9000)) + "\"}");
      }
    }
    return lines;
  }

  private static Path write(String name, List<String> lines) throws Exception {
    Path f = TMP.getRoot().toPath().resolve(name);
    Files.writeString(f, String.join("\n", lines) + "\n");
    return f;
  }

  /**
   * SQS into Postgres: malformed messages become stored dead letters, messages a crashed
   * consumer held come again and are stored once, and the queue ends empty.
   */
  @Test
  public void sqsIntoPostgresWithMalformedAndRedelivered() throws Exception {
    List<String> lines = logins(60, 1);
    Path file = write("logins-a.jsonl", lines);
    Cli send = Cli.run(env, "send", "--to=sqs://logins-a", "--input=" + file);
    assertEquals(send.toString(), 0, send.exit);
    // A consumer takes five messages and dies: they come back after two seconds.
    try (SqsClient c = sqsClient()) {
      String url = c.getQueueUrl(b -> b.queueName("logins-a")).queueUrl();
      int held = c.receiveMessage(b -> b.queueUrl(url).maxNumberOfMessages(5)
          .visibilityTimeout(2)).messages().size();
      assertThat(held, greaterThan(0));
    }
    String url = jdbc("sqs_a");
    Path summary = TMP.getRoot().toPath().resolve("sqs-a.json");
    Cli run = Cli.run(env, "run", "--runner=DirectRunner", "--spec=testdata/user_logins/spec.json",
        "--input=sqs://logins-a", "--output=" + TMP.newFolder("sqs-a-out"),
        "--jdbcUrl=" + url, "--keyFile=" + keys, "--stopWhenDrained", "--quietPeriod=2s",
        "--summary=" + summary);
    assertEquals(run.toString(), 0, run.exit);
    long malformed = lines.stream().filter(l -> !l.contains("user_id")).count();
    JsonNode s = MAPPER.readTree(summary.toFile());
    assertEquals(lines.size(), s.get("read").asLong());
    assertEquals(lines.size() - malformed, s.get("written").asLong());
    assertEquals(malformed, s.get("rejected").asLong());
    assertEquals(lines.size() - malformed, count("sqs_a", "SELECT count(*) FROM user_logins"));
    assertEquals(malformed, count("sqs_a", "SELECT count(*) FROM sluice_dead_letters"));
    assertEquals(0, queueDepth("logins-a"));
    assertEquals(0, count("sqs_a", "SELECT count(*) FROM user_logins WHERE masked_ip LIKE '10.%'"));
  }

  /**
   * A run killed midway (kill -9) and started again ends with every message stored once in the
   * table and written once in the files, and the queue empty; small files force many rolls.
   */
  @Test
  public void sqsRunKilledMidwayLosesNothing() throws Exception {
    sqsKilledMidway("DirectRunner", "logins-b", "sqs_b");
  }

  private void sqsKilledMidway(String runner, String queue, String db) throws Exception {
    List<String> lines = logins(1200, 2);
    Path file = write(queue + ".jsonl", lines);
    assertEquals(0, Cli.run(env, "send", "--to=sqs://" + queue, "--input=" + file).exit);
    String url = jdbc(db);
    Path out = TMP.newFolder(queue + "-out").toPath();
    List<String> common = List.of("run", "--runner=" + runner,
        "--spec=testdata/user_logins/spec.json", "--input=sqs://" + queue, "--output=" + out,
        "--jdbcUrl=" + url, "--keyFile=" + keys, "--stopWhenDrained", "--quietPeriod=3s",
        "--jdbcBatchSize=50", "--fileSize=8KiB");
    List<String> args = new ArrayList<>(common);
    args.addAll(List.of("--flushInterval=2s", "--visibilityTimeout=15"));
    String[] argv = args.toArray(new String[0]);
    Process first = Cli.start(env, argv);
    try {
      long deadline = System.currentTimeMillis() + 180_000;
      while (tableCount(db) < 200 && first.isAlive()
          && System.currentTimeMillis() < deadline) {
        TimeUnit.MILLISECONDS.sleep(50);
      }
      assertTrue("the first run ended before it could be killed", first.isAlive());
    } finally {
      first.destroyForcibly();
      first.waitFor(30, TimeUnit.SECONDS);
    }
    long storedBeforeKill = tableCount(db);
    assertThat(storedBeforeKill, greaterThan(0L));
    Cli second = Cli.run(env, argv);
    assertEquals(second.toString(), 0, second.exit);
    long malformed = lines.stream().filter(l -> !l.contains("user_id")).count();
    assertEquals(lines.size() - malformed, count(db, "SELECT count(*) FROM user_logins"));
    assertEquals(lines.size() - malformed,
        count(db, "SELECT count(DISTINCT user_id) FROM user_logins"));
    assertEquals(malformed, count(db, "SELECT count(*) FROM sluice_dead_letters"));
    assertEquals(0, queueDepth(queue));
    // The files: every user exactly once, across many small files.
    Map<String, Integer> users = new HashMap<>();
    int files = 0;
    try (var walk = Files.walk(out)) {
      for (Path f : walk.filter(f -> f.toString().endsWith(".jsonl.gz")
          && !f.toString().contains("_dead_letters")).toList()) {
        files++;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
          for (String row : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
            if (!row.isBlank()) {
              users.merge(MAPPER.readTree(row).get("user_id").asText(), 1, Integer::sum);
            }
          }
        }
      }
    }
    assertEquals("users missing from the files", lines.size() - malformed, users.size());
    // A kill between a file's close and its rows' commit writes those records again in the
    // second run (README, Streams): reported here, not yet asserted away.
    System.out.printf("[streams-it] %s kill: %d users in %d files, %d of them twice%n", runner,
        users.size(), files, users.values().stream().filter(v -> v > 1).count());
    assertThat("8 KiB files roll", files, greaterThan(5));
  }

  private static long tableCount(String db) {
    try {
      return count(db, "SELECT count(*) FROM user_logins");
    } catch (Exception e) {
      return 0;
    }
  }

  /**
   * Kinesis, two shards: events over three days sent shuffled (as a backfill or a replay sends
   * them), one stamped 2099 and one 1970, re-deliveries spread through the stream (some after
   * the outliers), into S3 partitions. Every uuid exactly once in the files, the exact duplicate
   * count in the ledger, and one file per partition (the run fits in one flush interval). On
   * the default runner (embedded Flink, checkpointing its state) and on the DirectRunner.
   */
  @Test
  public void kinesisIntoS3PartitionsOnTheDefaultRunner() throws Exception {
    kinesisIntoS3Partitions(List.of(), "events-k", "kinesis_k");
  }

  @Test
  public void kinesisIntoS3PartitionsOnTheDirectRunner() throws Exception {
    kinesisIntoS3Partitions(List.of("--runner=DirectRunner"), "events-kd", "kinesis_kd");
  }

  private void kinesisIntoS3Partitions(List<String> runner, String stream, String db)
      throws Exception {
    Random r = new Random(3);
    List<String> events = new ArrayList<>();
    long start = 1_710_000_000L;
    for (int i = 0; i < 600; i++) {
      String u = new UUID(r.nextLong(), r.nextLong()).toString();
      String type = new String[] {"account", "lesson", "payment"}[r.nextInt(3)];
      long at = start + r.nextInt(3 * 86_400);
      if (i == 7) {
        at = 4_070_908_800L; // 2099-01-01
      } else if (i == 8) {
        at = 0L;
      }
      events.add("{\"event_uuid\": \"" + u + "\", \"event_name\": \"" + type + ":x\","
          + " \"created_at\": " + at + ", \"payload\": {\"i\": " + i + "}}");
    }
    java.util.Collections.shuffle(events, r);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      lines.add(events.get(i));
      if (i % 10 == 9) {
        // A re-delivery of an earlier event, anywhere from just sent to the start.
        lines.add(lines.get(r.nextInt(lines.size())));
      }
      if (i % 50 == 49) {
        lines.add("{\"event_uuid\": \"broken-" + i + "\", \"created_at\": ");
      }
    }
    // The outliers again, at the end: after everything else.
    lines.addAll(events.stream().filter(l -> l.contains("\"created_at\": 0,")
        || l.contains("4070908800")).toList());
    Map<String, Long> expectedPartitions = new HashMap<>();
    Set<String> seen = new HashSet<>();
    long dups = 0;
    long bad = 0;
    for (String l : lines) {
      if (l.contains("broken-")) {
        bad++;
        continue;
      }
      JsonNode n = MAPPER.readTree(l);
      if (!seen.add(n.get("event_uuid").asText())) {
        dups++;
        continue;
      }
      String dt = Instant.ofEpochSecond(n.get("created_at").asLong()).atZone(ZoneOffset.UTC)
          .toLocalDate().toString();
      expectedPartitions.merge("event_type=" + n.get("event_name").asText().split(":")[0]
          + "/dt=" + dt, 1L, Long::sum);
    }
    Path file = write(stream + ".jsonl", lines);
    Cli send = Cli.run(env, "send", "--to=kinesis://" + stream, "--shards=2", "--input=" + file);
    assertEquals(send.toString(), 0, send.exit);
    Path summary = TMP.getRoot().toPath().resolve(stream + ".json");
    List<String> args = new ArrayList<>(List.of("run"));
    args.addAll(runner);
    args.addAll(List.of("--spec=testdata/events/spec.json",
        "--input=kinesis://" + stream, "--output=s3://lake/" + stream, "--keyFile=" + keys,
        "--jdbcUrl=" + jdbc(db),
        "--stopWhenDrained", "--quietPeriod=3s", "--summary=" + summary));
    Cli run = Cli.run(env, args.toArray(new String[0]));
    assertEquals(run.toString(), 0, run.exit);
    JsonNode s = MAPPER.readTree(summary.toFile());
    assertEquals(lines.size(), s.get("read").asLong());
    assertEquals(seen.size(), s.get("written").asLong());
    assertEquals(dups, s.get("duplicates").asLong());
    assertEquals(bad, s.get("rejected").asLong());

    BlobStore store = s3.context().getBlobStore();
    Map<String, Long> rowsPerPartition = new HashMap<>();
    Map<String, Integer> filesPerPartition = new HashMap<>();
    Map<String, Integer> timesSeen = new HashMap<>();
    for (StorageMetadata m : store.list("lake",
        ListContainerOptions.Builder.prefix(stream + "/").recursive())) {
      String key = m.getName();
      if (!key.endsWith(".jsonl.gz") || key.contains("_dead_letters")) {
        continue;
      }
      String partition = key.substring(stream.length() + 1, key.lastIndexOf('/'));
      filesPerPartition.merge(partition, 1, Integer::sum);
      String text;
      try (InputStream in = new GZIPInputStream(store.getBlob("lake", key).getPayload()
          .openStream())) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        in.transferTo(o);
        text = o.toString(StandardCharsets.UTF_8);
      }
      for (String row : text.split("\n")) {
        if (row.isBlank()) {
          continue;
        }
        rowsPerPartition.merge(partition, 1L, Long::sum);
        timesSeen.merge(MAPPER.readTree(row).get("event_uuid").asText(), 1, Integer::sum);
      }
    }
    assertEquals(expectedPartitions, rowsPerPartition);
    assertTrue(rowsPerPartition.keySet().stream().anyMatch(k -> k.endsWith("dt=2099-01-01")));
    assertTrue(rowsPerPartition.keySet().stream().anyMatch(k -> k.endsWith("dt=1970-01-01")));
    for (Map.Entry<String, Integer> e : filesPerPartition.entrySet()) {
      assertEquals("files in " + e.getKey() + " (one shard, one roll)", 1, (int) e.getValue());
    }
    assertEquals(seen, timesSeen.keySet());
    long twice = timesSeen.values().stream().filter(v -> v > 1).count();
    assertEquals("uuids written more than once", 0, twice);
    assertThat(run.out, containsString("[balanced]"));
    assertEquals(seen.size(), count(db, "SELECT count(*) FROM events"));
    assertEquals(seen.size(), count(db, "SELECT count(DISTINCT event_uuid) FROM events"));
  }
}
