package dev.sluice.devtools.flink;

import dev.sluice.cli.flink.FlinkRest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.cli.Cli;
import dev.sluice.cli.StandIns;
import dev.sluice.cli.generate.EventGenerator;
import dev.sluice.standins.Kinesalite;
import dev.sluice.standins.LocalServices;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Ignore;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.PutRecordsRequestEntry;
import software.amazon.awssdk.services.kinesis.model.PutRecordsResponse;
import software.amazon.awssdk.services.kinesis.model.StreamStatus;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * Streams on a real Flink cluster of separate JVMs, with checkpoints every two seconds, while
 * TaskManagers die: three times, once the job has completed two checkpoints since it last
 * (re)started, a TaskManager that runs it gets {@code kill -9} and a replacement is started.
 * Events keep coming meanwhile; when they stop, the run drains and ends. Then the table holds
 * exactly the unique uuids sent, the files hold each of them, and the ledger balances. A run
 * stopped with a savepoint and resumed from it loses and repeats nothing either.
 */
public class FlinkStreamsIT {
  public static final TemporaryFolder TMP = new TemporaryFolder();
  public static final StandIns STAND_INS = StandIns.forStreams(TMP);
  @ClassRule public static final RuleChain CHAIN = RuleChain.outerRule(TMP).around(STAND_INS);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final int KILLS = 3;
  private static LocalServices.S3 s3;
  private static LocalServices.Sqs sqs;
  private static Kinesalite kinesis;
  private static EmbeddedPostgres pg;
  private static TestCluster cluster;
  private static Path keys;
  private static Map<String, String> env;

  @BeforeClass
  public static void startCluster() throws Exception {
    s3 = STAND_INS.s3();
    sqs = STAND_INS.sqs();
    kinesis = STAND_INS.kinesis();
    pg = STAND_INS.pg();
    env = STAND_INS.env();
    keys = TMP.getRoot().toPath().resolve("keys.json");
    Cli k = Cli.run(env, "keys", "new", "--out=" + keys);
    assertEquals(k.toString(), 0, k.exit);
    cluster = TestCluster.start("FlinkStreamsIT", 2, 2, env);
  }

  /** Before the stand-ins stop (they are a class rule around this). */
  @AfterClass
  public static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Kinesis (two shards) into S3 and Postgres: nothing lost, nothing twice. */
  @Test
  public void kinesisRunSurvivesTaskManagerKills() throws Exception {
    String stream = "events-fault";
    createStream(stream);
    Expected want;
    JsonNode ledger;
    try (FaultRun run = new FaultRun("kinesis", database("fault_kinesis"));
        KinesisSender sender = new KinesisSender(stream).start()) {
      run.start("--input=kinesis://" + stream, "--output=s3://lake/fault-kinesis");
      run.killTaskManagers();
      want = expect(sender.finish());
      ledger = run.awaitLedger();
    }
    assertTrue(ledger.toString(), ledger.get("balanced").asBoolean());

    assertEquals(want.uuids.size(), count("fault_kinesis", "SELECT count(*) FROM events"));
    assertEquals(want.uuids, strings("fault_kinesis", "SELECT event_uuid FROM events"));

    Map<String, Integer> inFiles = uuidsInFiles("fault-kinesis");
    assertEquals(want.uuids, inFiles.keySet());
    long twice = inFiles.values().stream().filter(n -> n > 1).count();
    System.out.printf("[flink-it] kinesis: sent %d (%d unique, %d duplicates, %d broken);"
            + " ledger %s; uuids in more than one file row: %d%n", want.sent, want.uuids.size(),
        want.duplicates, want.broken, ledger, twice);
    assertEquals("uuids written to files more than once", 0, twice);
  }

  /**
   * SQS into Postgres and files (deleted at completed checkpoints): rows exact, dead letters
   * exact, every unique uuid once in the files, queue empty.
   */
  @Test
  public void sqsRunSurvivesTaskManagerKills() throws Exception {
    String queue = "events-fault";
    String queueUrl;
    try (SqsClient c = sqsClient()) {
      queueUrl = c.createQueue(b -> b.queueName(queue)).queueUrl();
    }
    Path sqsOut = TMP.newFolder("fault-sqs-out").toPath();
    Expected want;
    JsonNode ledger;
    try (FaultRun run = new FaultRun("sqs", database("fault_sqs"));
        SqsSender sender = new SqsSender(queueUrl).start()) {
      run.start("--input=sqs://" + queue, "--output=" + sqsOut, "--visibilityTimeout=10");
      run.killTaskManagers();
      want = expect(sender.finish());
      ledger = run.awaitLedger();
    }
    assertTrue(ledger.toString(), ledger.get("balanced").asBoolean());
    assertEquals(want.uuids.size(), count("fault_sqs", "SELECT count(*) FROM events"));
    assertEquals(want.uuids, strings("fault_sqs", "SELECT event_uuid FROM events"));
    assertEquals(want.broken, count("fault_sqs", "SELECT count(*) FROM sluice_dead_letters"));
    assertEquals(0, queueDepth(queueUrl));
    // On Flink a message is deleted once the checkpoint holding it completes (--sqsDelete
    // defaults to checkpoint there), so a restore finds every message not yet covered by a
    // completed checkpoint still in the queue: the rolling files lose nothing either.
    Map<String, Integer> inFiles = uuidsInFolder(sqsOut);
    long missing = want.uuids.stream().filter(u -> !inFiles.containsKey(u)).count();
    long twice = inFiles.values().stream().filter(n -> n > 1).count();
    System.out.printf("[flink-it] sqs: sent %d (%d unique, %d duplicates, %d broken);"
            + " ledger %s; files: %d uuids missing, %d in more than one row%n", want.sent,
        want.uuids.size(), want.duplicates, want.broken, ledger, missing, twice);
    assertEquals("uuids missing from the files", 0, missing);
    assertEquals("uuids written to files more than once", 0, twice);
  }

  /**
   * Kinesis stopped with a savepoint ({@code sluice flink savepoint --stop}) while events keep
   * coming, then resumed from it ({@code --savepointPath}): the resumed job restores the
   * savepoint and every unique uuid reaches the table, once.
   *
   * <p>Beam 2.62's Flink source assigns every Kinesis shard twice after a savepoint restore (the
   * restored split, and a fresh one at {@code --initialPosition} from its re-started split
   * enumerator): the resumed job reads again what it had read, which dedup and the upsert
   * absorb, and it does not end by itself when drained, so the test stops it with a second
   * savepoint. Its files are reported, not asserted.
   */
  @Test
  @Ignore("quarantined, issue 12: with rolling files the resumed job is sometimes gone before its"
      + " second stop-with-savepoint (Flink: job not found); passed once and failed once in two"
      + " full runs")
  public void kinesisRunResumesFromSavepoint() throws Exception {
    String stream = "events-savepoint";
    createStream(stream);
    String url = database("savepoint_kinesis");
    String[] io = {"--input=kinesis://" + stream, "--output=s3://lake/savepoint-kinesis"};
    Expected want;
    JsonNode first;
    JsonNode second;
    try (KinesisSender sender = new KinesisSender(stream).start()) {
      String savepoint;
      try (FaultRun run = new FaultRun("savepoint-1", url)) {
        run.start(io);
        run.awaitCheckpoints(2);
        long t0 = System.nanoTime();
        savepoint = stopWithSavepoint(run.jobId);
        System.out.printf("[flink-it] savepoint %s taken and job stopped in %.1f s%n", savepoint,
            (System.nanoTime() - t0) / 1e9);
        first = run.awaitLedger();
      }
      try (FaultRun run = new FaultRun("savepoint-2", url)) {
        run.start(io[0], io[1], "--savepointPath=" + savepoint);
        run.awaitCheckpoints(2);
        JsonNode restored = cluster.rest().checkpoints(run.jobId).path("latest")
            .path("restored");
        assertEquals(restored.toString(), savepoint.replaceFirst("^file:", ""),
            restored.path("external_path").asText().replaceFirst("^file:", ""));
        want = expect(sender.finish());
        long deadline = System.currentTimeMillis() + 180_000;
        while (count("savepoint_kinesis", "SELECT count(*) FROM events") < want.uuids.size()
            && System.currentTimeMillis() < deadline) {
          Thread.sleep(500);
        }
        stopWithSavepoint(run.jobId);
        second = run.awaitLedger();
      }
    }
    assertTrue(first.toString(), first.get("balanced").asBoolean());
    assertTrue(second.toString(), second.get("balanced").asBoolean());
    assertEquals(want.uuids, strings("savepoint_kinesis", "SELECT event_uuid FROM events"));
    assertEquals(want.uuids.size(), count("savepoint_kinesis", "SELECT count(*) FROM events"));
    Map<String, Integer> inFiles = uuidsInFiles("savepoint-kinesis");
    System.out.printf("[flink-it] savepoint: sent %d (%d unique); first run read %s, resumed"
            + " run read %s; files hold %d of the uuids, %d of them more than once%n", want.sent,
        want.uuids.size(), first.get("read"), second.get("read"), inFiles.size(),
        inFiles.values().stream().filter(n -> n > 1).count());
  }

  /** {@code sluice flink savepoint --stop}; returns the savepoint's path. */
  private static String stopWithSavepoint(String jobId) throws Exception {
    Cli sp = Cli.run(env, "flink", "savepoint", "--dir=" + cluster.dir(), "--job=" + jobId,
        "--stop");
    assertEquals(sp.toString(), 0, sp.exit);
    return sp.out.trim();
  }

  private static void createStream(String stream) throws InterruptedException {
    try (KinesisClient k = kinesisClient()) {
      k.createStream(b -> b.streamName(stream).shardCount(2));
      long deadline = System.currentTimeMillis() + 30_000;
      while (k.describeStream(b -> b.streamName(stream)).streamDescription().streamStatus()
          != StreamStatus.ACTIVE && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
      }
    }
  }

  /**
   * One streaming run on the cluster: the client ({@code sluice run}, attached) in its own JVM,
   * then the kills, then the drained end and its summary.
   */
  private static final class FaultRun implements AutoCloseable {
    private final String name;
    private final String jdbcUrl;
    private final Path summary;
    private final Path out;
    private final Path err;
    private Process client;
    private String jobId;

    FaultRun(String name, String jdbcUrl) {
      this.name = name;
      this.jdbcUrl = jdbcUrl;
      this.summary = TMP.getRoot().toPath().resolve(name + "-summary.json");
      this.out = TMP.getRoot().toPath().resolve(name + "-client.out");
      this.err = TMP.getRoot().toPath().resolve(name + "-client.err");
    }

    void start(String... io) throws Exception {
      List<String> args = new ArrayList<>(List.of("run", "--runner=FlinkRunner",
          "--flinkMaster=" + cluster.address, "--spec=testdata/events/spec.json",
          "--jdbcUrl=" + jdbcUrl, "--keyFile=" + keys, "--summary=" + summary,
          "--stopWhenDrained", "--quietPeriod=10s", "--flushInterval=5s", "--fileSize=32KiB",
          "--checkpointingInterval=2000", "--parallelism=2", "--jobName=sluice-fault-" + name));
      args.addAll(List.of(io));
      long before = System.currentTimeMillis();
      client = Cli.start(env, out, err, args.toArray(new String[0]));
      FlinkRest rest = cluster.rest();
      long deadline = System.currentTimeMillis() + 180_000;
      while (jobId == null) {
        for (JsonNode j : rest.jobs()) {
          if (j.path("name").asText().equals("sluice-fault-" + name)
              && j.path("start-time").asLong() >= before) {
            jobId = j.path("jid").asText();
          }
        }
        if (!client.isAlive() || System.currentTimeMillis() > deadline) {
          throw new AssertionError("the job did not start: " + clientOutput());
        }
        Thread.sleep(250);
      }
    }

    /** Three times: two checkpoints since the (re)start, kill -9 a TaskManager, replace it. */
    void killTaskManagers() throws Exception {
      FlinkRest rest = cluster.rest();
      long base = 0;
      for (int i = 1; i <= KILLS; i++) {
        long t0 = System.nanoTime();
        awaitCheckpoints(base + 2);
        String victim = taskManagerRunning(jobId);
        base = rest.completedCheckpoints(jobId);
        long pid = cluster.cluster.kill(victim);
        long t1 = System.nanoTime();
        Cli add = Cli.run(env, "flink", "add-taskmanager", "--dir=" + cluster.dir());
        assertEquals(add.toString(), 0, add.exit);
        long t2 = System.nanoTime();
        awaitRestored(i);
        System.out.printf("[flink-it] %s: kill %d of %s (pid %d) after checkpoint %d"
                + " (waited %.1f s); replacement %s up in %.1f s; job restored in %.1f s%n",
            name, i, victim, pid, base, (t1 - t0) / 1e9, add.out.trim(), (t2 - t1) / 1e9,
            (System.nanoTime() - t1) / 1e9);
      }
      awaitCheckpoints(base + 2);
      JsonNode counts = rest.checkpoints(jobId).path("counts");
      assertThat(counts.path("restored").asLong(), greaterThanOrEqualTo((long) KILLS));
    }

    private void awaitCheckpoints(long atLeast) throws Exception {
      FlinkRest rest = cluster.rest();
      long deadline = System.currentTimeMillis() + 180_000;
      while (rest.completedCheckpoints(jobId) < atLeast) {
        if (!client.isAlive() || System.currentTimeMillis() > deadline) {
          throw new AssertionError("no checkpoint " + atLeast + " (job "
              + rest.jobState(jobId) + "): " + clientOutput());
        }
        Thread.sleep(200);
      }
    }

    /** Waits until the job has restored from a checkpoint {@code times} times in all. */
    private void awaitRestored(long times) throws Exception {
      FlinkRest rest = cluster.rest();
      long deadline = System.currentTimeMillis() + 180_000;
      while (rest.checkpoints(jobId).path("counts").path("restored").asLong() < times) {
        if (!client.isAlive() || System.currentTimeMillis() > deadline) {
          throw new AssertionError("job not restored (" + rest.jobState(jobId) + "): "
              + clientOutput());
        }
        Thread.sleep(200);
      }
    }

    /** The summary the client wrote when the drained run ended. */
    JsonNode awaitLedger() throws Exception {
      if (!client.waitFor(5, TimeUnit.MINUTES)) {
        throw new AssertionError("the run did not end after the input stopped: "
            + clientOutput());
      }
      assertEquals(clientOutput(), 0, client.exitValue());
      return MAPPER.readTree(summary.toFile());
    }

    String clientOutput() throws IOException {
      return "\n--- stdout\n" + Files.readString(out) + "\n--- stderr\n" + Files.readString(err);
    }

    /** After a failure: the client and its job go, so the next test has the slots. */
    @Override
    public void close() {
      if (client == null || !client.isAlive()) {
        return;
      }
      client.destroyForcibly();
      if (jobId != null) {
        try {
          cluster.rest().cancel(jobId);
        } catch (RuntimeException e) {
          // it ended already
        }
      }
    }
  }

  /** A TaskManager that runs a task of the job now. */
  static String taskManagerRunning(String jobId) {
    FlinkRest rest = cluster.rest();
    for (JsonNode v : rest.job(jobId).path("vertices")) {
      JsonNode tms = rest.get("/jobs/" + jobId + "/vertices/" + v.path("id").asText()
          + "/taskmanagers").path("taskmanagers");
      for (JsonNode tm : tms) {
        String id = tm.path("taskmanager-id").asText();
        if ("RUNNING".equals(tm.path("status").asText())
            && cluster.cluster.processes().containsKey(id)) {
          return id;
        }
      }
    }
    throw new AssertionError("no TaskManager runs job " + jobId);
  }

  /** Events sent while the test goes on, at about 50 a second, until told to finish. */
  private abstract static class Sender implements AutoCloseable {
    private final EventGenerator events = new EventGenerator(7, 1_710_000_000L, 0.05, 0.02);
    private final List<String> sent = new ArrayList<>();
    private final Thread thread;
    private volatile boolean finish;
    private volatile Throwable failure;

    Sender() {
      thread = new Thread(this::loop, "sender");
      thread.setDaemon(true);
    }

    /** Starts sending; called once the subclass has its client. */
    <T extends Sender> T start() {
      thread.start();
      @SuppressWarnings("unchecked")
      T self = (T) this;
      return self;
    }

    abstract void send(List<String> lines) throws Exception;

    private void loop() {
      try {
        while (!finish) {
          List<String> batch = new ArrayList<>();
          for (int i = 0; i < 10; i++) {
            batch.add(events.next());
          }
          send(batch);
          synchronized (sent) {
            sent.addAll(batch);
          }
          Thread.sleep(200);
        }
      } catch (Throwable t) {
        failure = t;
      }
    }

    /** Stops sending; returns every line sent. */
    List<String> finish() throws Exception {
      finish = true;
      thread.join(60_000);
      if (failure != null) {
        throw new AssertionError("sending failed", failure);
      }
      synchronized (sent) {
        return new ArrayList<>(sent);
      }
    }

    @Override
    public void close() throws Exception {
      finish = true;
      thread.join(60_000);
    }
  }

  private static final class KinesisSender extends Sender {
    private final KinesisClient client = kinesisClient();
    private final String stream;

    KinesisSender(String stream) {
      this.stream = stream;
    }

    @Override
    void send(List<String> lines) throws Exception {
      List<PutRecordsRequestEntry> pending = new ArrayList<>();
      for (String l : lines) {
        pending.add(PutRecordsRequestEntry.builder().partitionKey(UUID.randomUUID().toString())
            .data(SdkBytes.fromString(l, StandardCharsets.UTF_8)).build());
      }
      for (int attempt = 0; !pending.isEmpty(); attempt++) {
        if (attempt == 20) {
          throw new IllegalStateException("Kinesis refused records 20 times");
        }
        List<PutRecordsRequestEntry> batch = pending;
        PutRecordsResponse r = client.putRecords(b -> b.streamName(stream).records(batch));
        List<PutRecordsRequestEntry> again = new ArrayList<>();
        for (int i = 0; i < r.records().size(); i++) {
          if (r.records().get(i).errorCode() != null) {
            again.add(batch.get(i));
          }
        }
        pending = again;
      }
    }

    @Override
    public void close() throws Exception {
      super.close();
      client.close();
    }
  }

  private static final class SqsSender extends Sender {
    private final SqsClient client = sqsClient();
    private final String queueUrl;

    SqsSender(String queueUrl) {
      this.queueUrl = queueUrl;
    }

    @Override
    void send(List<String> lines) {
      List<SendMessageBatchRequestEntry> entries = new ArrayList<>();
      for (int i = 0; i < lines.size(); i++) {
        entries.add(SendMessageBatchRequestEntry.builder().id(Integer.toString(i))
            .messageBody(lines.get(i)).build());
      }
      var r = client.sendMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
      if (!r.failed().isEmpty()) {
        throw new IllegalStateException("SQS refused " + r.failed());
      }
    }

    @Override
    public void close() throws Exception {
      super.close();
      client.close();
    }
  }

  /** What the events rules make of the lines sent, worked out here without Sluice. */
  static final class Expected {
    long sent;
    long duplicates;
    long broken;
    Set<String> uuids = new HashSet<>();
  }

  static Expected expect(List<String> lines) {
    Expected e = new Expected();
    for (String line : lines) {
      e.sent++;
      JsonNode n;
      try {
        n = MAPPER.readTree(line);
      } catch (IOException ex) {
        e.broken++;
        continue;
      }
      if (!e.uuids.add(n.get("event_uuid").asText())) {
        e.duplicates++;
      }
    }
    return e;
  }

  private static KinesisClient kinesisClient() {
    return KinesisClient.builder().endpointOverride(URI.create(kinesis.endpoint()))
        .region(Region.US_EAST_1).credentialsProvider(credentials()).build();
  }

  private static SqsClient sqsClient() {
    return SqsClient.builder().endpointOverride(URI.create(sqs.endpoint()))
        .region(Region.US_EAST_1).credentialsProvider(credentials()).build();
  }

  private static StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(
        AwsBasicCredentials.create(LocalServices.ACCESS_KEY, LocalServices.SECRET_KEY));
  }

  private static long queueDepth(String url) {
    try (SqsClient c = sqsClient()) {
      Map<QueueAttributeName, String> a = c.getQueueAttributes(b -> b.queueUrl(url)
          .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
      return a.values().stream().mapToLong(Long::parseLong).sum();
    }
  }

  private static String database(String name) throws Exception {
    return STAND_INS.database(name);
  }

  private static long count(String db, String sql) throws Exception {
    try (Connection c = pg.getDatabase("postgres", db).getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Set<String> strings(String db, String sql) throws Exception {
    Set<String> r = new HashSet<>();
    try (Connection c = pg.getDatabase("postgres", db).getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        r.add(rs.getString(1));
      }
    }
    return r;
  }

  /** How often each uuid appears in the rows of the gzipped files below a local folder. */
  private static Map<String, Integer> uuidsInFolder(Path root) throws Exception {
    Map<String, Integer> seen = new HashMap<>();
    List<Path> files;
    try (var walk = Files.walk(root)) {
      files = walk.filter(p -> p.toString().endsWith(".gz") && !p.toString().contains(
          "_dead_letters")).toList();
    }
    for (Path f : files) {
      String text;
      try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      for (String row : text.split("\n")) {
        if (!row.isBlank()) {
          seen.merge(MAPPER.readTree(row).get("event_uuid").asText(), 1, Integer::sum);
        }
      }
    }
    return seen;
  }

  /** How often each uuid appears in the rows of the files under {@code prefix}. */
  private static Map<String, Integer> uuidsInFiles(String prefix) throws Exception {
    BlobStore store = s3.context().getBlobStore();
    Map<String, Integer> seen = new HashMap<>();
    for (StorageMetadata m : store.list("lake",
        ListContainerOptions.Builder.prefix(prefix + "/").recursive())) {
      if (!m.getName().endsWith(".gz") || m.getName().contains("_dead_letters")) {
        continue;
      }
      String text;
      try (InputStream in = new GZIPInputStream(store.getBlob("lake", m.getName()).getPayload()
          .openStream())) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        in.transferTo(o);
        text = o.toString(StandardCharsets.UTF_8);
      }
      for (String row : text.split("\n")) {
        if (!row.isBlank()) {
          seen.merge(MAPPER.readTree(row).get("event_uuid").asText(), 1, Integer::sum);
        }
      }
    }
    return seen;
  }
}
