package dev.sluice.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.standins.LocalServices;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
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
 * The login take-home's sample as its owner ships it, end to end through {@code bin/sluice}:
 * one gzipped JSON array of 100 login messages (one malformed) sent to SQS (ElasticMQ) one
 * record per message, then read into the owner's own {@code user_logins} table (its DDL: no
 * key, {@code app_version integer}, {@code varchar(n)} columns) with {@code table.mode: append}.
 */
public class OwnerSampleIT {
  public static final TemporaryFolder TMP = new TemporaryFolder();
  public static final StandIns STAND_INS = StandIns.forQueues(TMP);
  @ClassRule public static final RuleChain CHAIN = RuleChain.outerRule(TMP).around(STAND_INS);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The versions the sample's apps report, and the integer each must be stored as. */
  private static final Map<String, Integer> VERSIONS =
      Map.of("2.3.0", 20300, "0.96", 9600, "2.2.1", 20201, "0.2.6", 206);

  private static final String[] LOCALES = {"RU", "PH", "us", null, "BR", "de"};

  /** What the test generated: the sample's messages and what each good one must become. */
  private static final class Sample {
    final ArrayNode messages = MAPPER.createArrayNode();
    final List<String> expectedRows = new ArrayList<>();
    final List<String> secrets = new ArrayList<>();
  }

  /** 100 messages in the take-home's shape; the 42nd lacks user_id (a malformed message). */
  private static Sample sample() {
    Random r = new Random(14);
    List<String> versions = new ArrayList<>(new TreeMap<>(VERSIONS).keySet());
    Sample s = new Sample();
    for (int i = 0; i < 100; i++) {
      ObjectNode m = s.messages.addObject();
      String user = String.format("%08x-%04x-4%03x-a%03x-%012x", r.nextInt(), r.nextInt(1 << 16),
          r.nextInt(1 << 12), r.nextInt(1 << 12), r.nextLong() & 0xffffffffffffL);
      String version = versions.get(r.nextInt(versions.size()));
      String device = r.nextBoolean() ? "android" : "iOS";
      String ip = "10." + r.nextInt(256) + "." + r.nextInt(256) + "." + (1 + r.nextInt(254));
      String locale = LOCALES[r.nextInt(LOCALES.length)];
      String deviceId = (100 + r.nextInt(900)) + "-" + (10 + r.nextInt(90)) + "-"
          + (1000 + r.nextInt(9000));
      if (i != 41) {
        m.put("user_id", user);
      }
      m.put("app_version", version);
      m.put("device_type", device);
      m.put("ip", ip);
      m.put("locale", locale);
      m.put("device_id", deviceId);
      s.secrets.add(ip);
      s.secrets.add(deviceId);
      if (i != 41) {
        s.expectedRows.add(user + "|" + device.toLowerCase() + "|"
            + (locale == null ? "null" : locale.toUpperCase()) + "|" + VERSIONS.get(version));
      }
    }
    s.expectedRows.sort(null);
    return s;
  }

  private static List<String> rows(String url, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      while (rs.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
          b.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        out.add(b.toString());
      }
    }
    return out;
  }

  private static long queueDepth(String queue) {
    LocalServices.Sqs sqs = STAND_INS.sqs();
    try (SqsClient c = SqsClient.builder()
        .endpointOverride(java.net.URI.create(sqs.endpoint()))
        .region(Region.US_EAST_1)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(LocalServices.ACCESS_KEY, LocalServices.SECRET_KEY)))
        .build()) {
      String url = c.getQueueUrl(b -> b.queueName(queue)).queueUrl();
      return c.getQueueAttributes(b -> b.queueUrl(url).attributeNames(
              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
              QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
          .attributes().values().stream().mapToLong(Long::parseLong).sum();
    }
  }

  /** Every output file's text, gunzipped where gzipped. */
  private static String outputText(Path dir) throws Exception {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        try (InputStream in = f.toString().endsWith(".gz")
            ? new GZIPInputStream(Files.newInputStream(f)) : Files.newInputStream(f)) {
          b.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
        }
      }
    }
    return b.toString();
  }

  /**
   * 99 logins land in the owner's table as the owner declared it (app_version 2.3.0 as
   * 20300), the malformed message is one stored dead letter saying which field is missing,
   * the ledger balances, the queue ends empty, and no raw ip or device id is anywhere.
   */
  @Test
  public void gzippedJsonArrayOverSqsIntoTheOwnersTable() throws Exception {
    Path dir = TMP.getRoot().toPath();
    Path keys = dir.resolve("keys.json");
    // Written here rather than by `bin/sluice keys new`: one JVM fewer.
    Files.writeString(keys, dev.sluice.core.pii.SluiceKeys.generate("v1").toJson());
    Sample s = sample();
    // As the take-home ships it: the whole sample one JSON array, gzipped.
    Path file = dir.resolve("login_messages.json.gz");
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(s.messages));
    }
    Map<String, String> env = STAND_INS.env();
    Cli send = Cli.run(env, "send", "--to=sqs://login-queue", "--input=" + file);
    assertEquals(send.toString(), 0, send.exit);
    assertEquals(100, queueDepth("login-queue"));

    String url = STAND_INS.database("owner_logins");
    try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
      st.execute(Files.readString(Cli.ROOT.resolve("testdata/user_logins/user_logins.sql")));
    }
    Path out = dir.resolve("out");
    Path summary = dir.resolve("summary.json");
    Cli run = Cli.run(env, "run", "--spec=testdata/user_logins/owner-table-spec.json",
        "--input=sqs://login-queue", "--output=" + out, "--jdbcUrl=" + url,
        "--keyFile=" + keys, "--stopWhenDrained", "--quietPeriod=2s", "--summary=" + summary);
    assertEquals(run.toString(), 0, run.exit);

    JsonNode ledger = MAPPER.readTree(summary.toFile());
    assertEquals(ledger.toString(), 100, ledger.get("read").asLong());
    assertEquals(ledger.toString(), 99, ledger.get("written").asLong());
    assertEquals(ledger.toString(), 1, ledger.get("rejected").asLong());
    assertEquals(ledger.toString(), 1, ledger.get("rejected_by_stage").get("validate").asLong());
    assertTrue(ledger.toString(), ledger.get("balanced").asBoolean());

    assertEquals(s.expectedRows, rows(url, "SELECT user_id, device_type, locale, app_version"
        + " FROM user_logins ORDER BY user_id"));
    assertEquals(List.of("99|99|0"), rows(url, "SELECT count(*), count(*) FILTER (WHERE"
        + " masked_ip LIKE 'v1:%' AND masked_device_id LIKE 'v1:%'), count(create_date)"
        + " FROM user_logins"));
    assertEquals(List.of("validate|field 'user_id' is required but missing"),
        rows(url, "SELECT stage, reason FROM sluice_dead_letters"));
    assertEquals(0, queueDepth("login-queue"));

    String everything = String.join("\n", rows(url, "SELECT user_logins::text FROM user_logins"))
        + rows(url, "SELECT sluice_dead_letters::text FROM sluice_dead_letters")
        + outputText(out) + run.out + run.err + send.out + send.err;
    for (String secret : s.secrets) {
      assertFalse(secret + " leaked", everything.contains(secret));
    }
  }
}
