package dev.sluice.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.feed.TestPostgres;
import dev.sluice.standins.LocalServices;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.After;
import org.junit.Before;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.SendMessageBatchRequestEntry;

/**
 * {@code --metricsPort}: a stream run (SQS into Postgres) is scraped while it goes, by this test
 * and by a real Prometheus; the last scrape is the run's ledger, and every query of the shipped
 * Grafana dashboard runs against what Prometheus scraped.
 */
public class MetricsIT {
  @ClassRule public static final TestPostgres PG = new TestPostgres("metrics");
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private LocalServices.Sqs sqs;

  @Before
  public void startSqs() {
    sqs = LocalServices.Sqs.start(LocalServices.freePort());
  }

  @After
  public void stopSqs() {
    sqs.close();
  }

  /** Scrapes during the run; the last scrape equals the ledger the run printed. */
  @Test
  public void scrapedCountersMatchTheLedger() throws Exception {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      lines.add(i % 10 == 9 ? "not json " + i
          : "{\"user_id\": \"u" + i + "\", \"app_version\": \"2.3.0\", \"device_type\":"
              + " \"ios\", \"ip\": \"10.0.0." + i + "\", \"locale\": \"RU\","
              + " \"device_id\": \"100-10-" + (1000 + i) + "\"}");
    }
    try (SqsClient c = SqsClient.builder().endpointOverride(URI.create(sqs.endpoint()))
        .region(Region.US_EAST_1).credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(LocalServices.ACCESS_KEY, LocalServices.SECRET_KEY)))
        .build()) {
      String url = c.createQueue(b -> b.queueName("logins-m")).queueUrl();
      for (int i = 0; i < lines.size(); i += 10) {
        List<SendMessageBatchRequestEntry> batch = new ArrayList<>();
        for (int j = i; j < i + 10; j++) {
          batch.add(SendMessageBatchRequestEntry.builder().id("m" + j)
              .messageBody(lines.get(j)).build());
        }
        c.sendMessageBatch(b -> b.queueUrl(url).entries(batch));
      }
    }
    Path dir = tmp.getRoot().toPath();
    Path keys = dir.resolve("keys.json");
    assertEquals(0, ReplayIT.sluice("keys", "new", "--out=" + keys).exit);
    Map<String, String> env = new HashMap<>();
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ACCESS_KEY_ID", LocalServices.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", LocalServices.SECRET_KEY);
    env.put("AWS_ENDPOINT_URL_SQS", sqs.endpoint());
    int port = LocalServices.freePort();
    try (Prometheus prometheus =
        Prometheus.start(Files.createDirectories(dir.resolve("prom")), port)) {
      scrapeDuringARun(prometheus, env, dir, keys, port);
    }
  }

  private void scrapeDuringARun(Prometheus prometheus, Map<String, String> env, Path dir,
      Path keys, int port) throws Exception {
    Path summary = dir.resolve("summary.json");
    Path out = dir.resolve("run-out.txt");
    Path err = dir.resolve("run-err.txt");
    String jdbcUrl = PG.newDatabase();
    // The DirectRunner: its counters can be read while the job runs (an embedded Flink job's
    // only at its end).
    Process run = Cli.start(env, out, err, "run", "--runner=DirectRunner",
        "--spec=testdata/user_logins/spec.json", "--input=sqs://logins-m",
        "--output=" + dir.resolve("out"), "--jdbcUrl=" + jdbcUrl,
        "--keyFile=" + keys, "--stopWhenDrained", "--quietPeriod=3s",
        "--metricsPort=" + port, "--summary=" + summary);
    String last = null;
    double lastAt = 0;
    int scrapes = 0;
    HttpClient http = HttpClient.newHttpClient();
    try {
      while (run.isAlive()) {
        try {
          HttpResponse<String> r = http.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString());
          assertEquals(200, r.statusCode());
          assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith(
              "text/plain; version=0.0.4"));
          last = r.body();
          lastAt = System.currentTimeMillis() / 1000.0;
          scrapes++;
        } catch (IOException notYetOrNoLonger) {
          // the server is not up yet, or the run has just ended
        }
        run.waitFor(200, TimeUnit.MILLISECONDS);
      }
    } finally {
      run.destroyForcibly();
      run.waitFor(30, TimeUnit.SECONDS);
    }
    assertEquals(Files.readString(err), 0, run.exitValue());
    assertTrue("scraped while running", scrapes > 0);
    JsonNode ledger = MAPPER.readTree(summary.toFile());
    assertEquals(120, ledger.get("read").asLong());
    String f = "feed=\"user_logins\"";
    assertEquals(ledger.get("read").asLong(), value(last, "sluice_records_total",
        f + ",outcome=\"read\""));
    assertEquals(ledger.get("written").asLong(), value(last, "sluice_records_total",
        f + ",outcome=\"written\""));
    assertEquals(ledger.get("duplicates").asLong(), value(last, "sluice_records_total",
        f + ",outcome=\"duplicate\""));
    assertEquals(ledger.get("rejected").asLong(), value(last, "sluice_records_total",
        f + ",outcome=\"rejected\""));
    assertEquals(12, ledger.get("rejected").asLong());
    String lastBody = last;
    ledger.get("rejected_by_stage").fields().forEachRemaining(e -> assertEquals(
        e.getValue().asLong(), value(lastBody, "sluice_dead_letters_total",
            f + ",stage=\"" + e.getKey() + "\"")));
    assertTrue(last, last.contains("# TYPE sluice_records_total counter"));

    // What the sinks say they stored and wrote is what the table and the folder hold.
    long rows;
    try (Connection c = DriverManager.getConnection(jdbcUrl);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM user_logins")) {
      rs.next();
      rows = rs.getLong(1);
    }
    assertEquals(108, rows);
    assertEquals(rows, value(last, "sluice_rows_stored_total", f + ",table=\"user_logins\""));
    long files = 0;
    long bytes = 0;
    try (Stream<Path> walk = Files.walk(dir.resolve("out"))) {
      for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        files++;
        bytes += Files.size(p);
      }
    }
    assertTrue("files on disk", files > 0);
    assertEquals(files, value(last, "sluice_files_written_total", f));
    assertEquals(bytes, value(last, "sluice_bytes_written_total", f));
    // Every message was deleted by the end; the gauge was set while the run went.
    assertTrue(last, last.contains("# TYPE sluice_sqs_messages_in_flight gauge"));

    // Prometheus scraped the same counters: their highest value is the ledger's.
    assertEquals(ledger.get("read").asLong(), prometheus.query("max(max_over_time("
        + "sluice_records_total{job=\"sluice\",outcome=\"read\"}[10m]))", lastAt)
        .at("/data/result/0/value/1").asLong());
    // Every query of the dashboard is valid PromQL and runs on the scraped series.
    JsonNode board = MAPPER.readTree(Cli.ROOT.resolve(
        "testdata/metrics/grafana-dashboard.json").toFile());
    int queries = 0;
    for (JsonNode panel : board.get("panels")) {
      for (JsonNode target : panel.get("targets")) {
        String expr = target.get("expr").asText().replace("$feed", ".*")
            .replace("$job", "sluice");
        JsonNode answer = prometheus.query(expr, lastAt);
        assertEquals(expr + " -> " + answer, "success", answer.get("status").asText());
        queries++;
        if (expr.startsWith("sum by (outcome) (rate(sluice_records_total")) {
          assertTrue(expr + " -> " + answer, answer.at("/data/result").size() >= 4);
        }
      }
    }
    assertTrue(queries >= 10);
  }

  private static long value(String body, String name, String labels) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name + "{" + labels + "}") + " (\\d+)$")
        .matcher(body);
    assertTrue(name + "{" + labels + "} in\n" + body, m.find());
    return Long.parseLong(m.group(1));
  }
}
