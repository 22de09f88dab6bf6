package dev.sluice.devtools.flink;

import dev.sluice.cli.flink.FlinkRest;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.io.SluiceException;
import dev.sluice.cli.Cli;
import dev.sluice.cli.StandIns;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;

/**
 * Batch runs on a real Flink cluster of separate JVMs ({@code sluice flink start}): the events
 * feed read from S3 (S3Proxy) gives the same ledger, files and table rows as the DirectRunner;
 * the shaded jar is also accepted through the REST API ({@code /jars/upload},
 * {@code /jars/<id>/run}); the launcher reports its cluster and refuses a second one.
 */
public class FlinkBatchIT {
  public static final TemporaryFolder TMP = new TemporaryFolder();
  public static final StandIns STAND_INS = StandIns.forBatches(TMP);
  @ClassRule public static final RuleChain CHAIN = RuleChain.outerRule(TMP).around(STAND_INS);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Path EVENTS = Cli.ROOT.resolve("testdata/events/events-2024-03-09.jsonl");
  private static LocalServices.S3 s3;
  private static EmbeddedPostgres pg;
  private static TestCluster cluster;
  private static Path keys;
  private static Map<String, String> env;

  @BeforeClass
  public static void startCluster() throws Exception {
    s3 = STAND_INS.s3();
    pg = STAND_INS.pg();
    env = STAND_INS.env();
    BlobStore store = s3.context().getBlobStore();
    store.putBlob("lake", store.blobBuilder("in/events/events-2024-03-09.jsonl")
        .payload(Files.readAllBytes(EVENTS)).build());
    keys = TMP.getRoot().toPath().resolve("keys.json");
    Cli k = Cli.run(env, "keys", "new", "--out=" + keys);
    assertEquals(k.toString(), 0, k.exit);
    cluster = TestCluster.start("FlinkBatchIT", 1, 2, env);
  }

  /** Before the stand-ins stop (they are a class rule around this). */
  @AfterClass
  public static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static String database(String name) throws Exception {
    return STAND_INS.database(name);
  }

  /** Every row of the table, every column as text, in key order. */
  private static List<String> rows(String db, String table) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = pg.getDatabase("postgres", db).getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM " + table + " ORDER BY 1")) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          b.append(rs.getMetaData().getColumnName(i)).append('=').append(rs.getString(i))
              .append('|');
        }
        rows.add(b.toString());
      }
    }
    return rows;
  }

  /** Objects under a prefix, by name relative to it, each as its sorted lines. */
  private static Map<String, List<String>> objects(String prefix) throws Exception {
    BlobStore store = s3.context().getBlobStore();
    Map<String, List<String>> objects = new TreeMap<>();
    for (StorageMetadata m : store.list("lake",
        ListContainerOptions.Builder.prefix(prefix + "/").recursive())) {
      if (!m.getName().endsWith(".gz")) {
        continue;
      }
      String text;
      try (InputStream in = new GZIPInputStream(store.getBlob("lake", m.getName()).getPayload()
          .openStream())) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        in.transferTo(o);
        text = o.toString(StandardCharsets.UTF_8);
      }
      List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n")));
      lines.sort(null);
      objects.put(m.getName().substring(prefix.length() + 1), lines);
    }
    return objects;
  }

  private static JsonNode summaryWithoutPlaces(Path file) throws Exception {
    ObjectNode s = (ObjectNode) MAPPER.readTree(file.toFile());
    s.remove("output");
    s.remove("dead_letters");
    return s;
  }

  /** The events feed from S3 on the cluster: ledger, partitions, files and rows as Direct. */
  @Test
  public void eventsFromS3OnClusterMatchDirectRunner() throws Exception {
    long lines = Files.readAllLines(EVENTS).stream().filter(l -> !l.isEmpty()).count();
    String[] common = {"run", "--spec=testdata/events/spec.json",
        "--input=s3://lake/in/events/*.jsonl", "--keyFile=" + keys};

    Path directSummary = TMP.getRoot().toPath().resolve("direct.json");
    long t0 = System.nanoTime();
    Cli direct = Cli.run(env, concat(common, "--output=s3://lake/direct",
        "--jdbcUrl=" + database("direct_db"), "--summary=" + directSummary));
    assertEquals(direct.toString(), 0, direct.exit);
    long t1 = System.nanoTime();

    Path flinkSummary = TMP.getRoot().toPath().resolve("flink.json");
    Cli flink = Cli.run(env, concat(common, "--runner=FlinkRunner",
        "--flinkMaster=" + cluster.address, "--output=s3://lake/flink",
        "--jdbcUrl=" + database("flink_db"), "--summary=" + flinkSummary));
    assertEquals(flink.toString(), 0, flink.exit);
    long t2 = System.nanoTime();
    System.out.printf("[flink-it] events from S3: DirectRunner %.1f s, FlinkRunner %.1f s%n",
        (t1 - t0) / 1e9, (t2 - t1) / 1e9);

    JsonNode ledger = summaryWithoutPlaces(flinkSummary);
    assertEquals(lines, ledger.get("read").asLong());
    assertTrue(ledger.get("balanced").asBoolean());
    assertNotEquals(0, ledger.get("written").asLong());
    assertEquals(summaryWithoutPlaces(directSummary), ledger);
    assertThat(flink.out, containsString("[balanced]"));

    Map<String, List<String>> directFiles = objects("direct");
    assertFalse(directFiles.isEmpty());
    assertEquals(directFiles, objects("flink"));

    List<String> directRows = rows("direct_db", "events");
    assertEquals(ledger.get("written").asLong(), directRows.size());
    assertEquals(directRows, rows("flink_db", "events"));

    // It ran on the cluster, with the cluster's parallelism.
    JsonNode job = cluster.rest().jobs().get(0);
    assertEquals("sluice-events", job.path("name").asText());
    assertEquals("FINISHED", job.path("state").asText());
    for (JsonNode v : cluster.rest().job(job.path("jid").asText()).path("vertices")) {
      assertTrue(v.toString(), v.path("parallelism").asInt() <= 2);
    }
  }

  /** The shaded jar through /jars/upload and /jars/<id>/run, as Flink's own client does. */
  @Test
  public void jarSubmittedThroughRestApiRunsTheFeed() throws Exception {
    FlinkRest rest = cluster.rest();
    Path jar = Cli.ROOT.resolve("cli/target/sluice.jar");
    long t0 = System.nanoTime();
    String jarId = rest.uploadJar(jar);
    long t1 = System.nanoTime();
    Path out = TMP.newFolder("rest-out").toPath();
    String url = database("rest_db");
    String jobId = rest.runJar(jarId, "dev.sluice.cli.SluiceCli", List.of("run",
        "--runner=FlinkRunner", "--spec=" + Cli.ROOT.resolve("testdata/events/spec.json"),
        "--input=" + Cli.ROOT.resolve("testdata/events/*.jsonl"), "--output=" + out,
        "--jdbcUrl=" + url, "--keyFile=" + keys), null, null, Duration.ofMinutes(3));
    long t2 = System.nanoTime();
    String state = awaitEnd(rest, jobId, Duration.ofMinutes(3));
    System.out.printf("[flink-it] REST: upload %.1f s, run call %.1f s, job %s after %.1f s%n",
        (t1 - t0) / 1e9, (t2 - t1) / 1e9, state, (System.nanoTime() - t2) / 1e9);
    assertEquals("FINISHED", state);

    Cli ledger = Cli.run(env, "flink", "ledger", "--dir=" + cluster.dir(),
        "--job=" + jobId);
    assertEquals(ledger.toString(), 0, ledger.exit);
    long lines = Files.readAllLines(EVENTS).stream().filter(l -> !l.isEmpty()).count();
    assertThat(ledger.out, containsString("events: read " + lines + " = written "));
    assertThat(ledger.out, containsString("[balanced]"));
    long written = Long.parseLong(ledger.out.replaceAll("(?s).*= written (\\d+) .*", "$1"));
    assertEquals(written, rows("rest_db", "events").size());
    assertTrue(Files.exists(out.resolve("_dead_letters")));

    // A bad argument comes back as the REST call's error, in one line, and the cluster lives.
    try {
      rest.runJar(jarId, "dev.sluice.cli.SluiceCli", List.of("run", "--runner=FlinkRunner",
          "--spec=/no/such/spec.json", "--input=/tmp/x", "--output=/tmp/y"), null, null,
          Duration.ofMinutes(2));
      fail("a run with a missing spec was accepted");
    } catch (SluiceException e) {
      assertThat(e.getMessage(), containsString("spec"));
    }
    assertTrue(cluster.cluster.isRunning());
  }

  /** {@code flink status} shows the cluster; a second start on the same folder is refused. */
  @Test
  public void statusShowsTheClusterAndASecondStartIsRefused() throws Exception {
    Cli status = Cli.run(env, "flink", "status", "--dir=" + cluster.dir());
    assertEquals(status.toString(), 0, status.exit);
    assertThat(status.out, containsString("1 TaskManagers"));
    assertThat(status.out, containsString("taskmanager-1="));
    Cli again = Cli.run(env, "flink", "start", "--dir=" + cluster.dir());
    assertEquals(again.toString(), 1, again.exit);
    assertThat(again.err, containsString("already running"));
    assertEquals(again.err.trim(), 1, again.err.trim().lines().count());
  }

  static String awaitEnd(FlinkRest rest, String jobId, Duration timeout) throws Exception {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (System.currentTimeMillis() < deadline) {
      String state = rest.jobState(jobId);
      if (List.of("FINISHED", "FAILED", "CANCELED").contains(state)) {
        return state;
      }
      Thread.sleep(500);
    }
    return rest.jobState(jobId);
  }

  static String[] concat(String[] a, String... b) {
    String[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
