package dev.sluice.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code bin/sluice lake}, {@code loads} and {@code serve} as a user runs them, each in its own
 * JVM, against a local lake folder and an embedded PostgreSQL started here.
 */
public class LakeCliIT {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static EmbeddedPostgres pg;

  @BeforeClass
  public static void startPostgres() throws Exception {
    pg = EmbeddedPostgres.builder().start();
  }

  @AfterClass
  public static void stopPostgres() throws Exception {
    if (pg != null) {
      pg.close();
    }
  }

  private static String newDatabase() throws Exception {
    String name = "lake_cli_" + DATABASES.incrementAndGet();
    try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"));
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return pg.getJdbcUrl("postgres", name);
  }

  /** A lake folder: a schema, a data file and a key with a bad table name, landed in that order. */
  private static Path newLake() throws Exception {
    Path lake = TMP.newFolder().toPath();
    Path testdata = Cli.ROOT.resolve("testdata/lake/user_data");
    long t = 1_709_280_000_000L;
    copy(testdata.resolve("schema-v1.json"), lake.resolve("analytics/schema/user_data/v1.json"),
        t);
    copy(testdata.resolve("users-2024-03-01.csv"),
        lake.resolve("analytics/append/user_data/2024-03-01.csv"), t + 1000);
    copy(testdata.resolve("users-2024-03-01.csv"),
        lake.resolve("analytics/append/User_Data/2024-03-01.csv"), t + 2000);
    return lake;
  }

  private static void copy(Path from, Path to, long mtime) throws Exception {
    Files.createDirectories(to.getParent());
    Files.copy(from, to);
    Files.setLastModifiedTime(to, FileTime.fromMillis(mtime));
  }

  /** Some line of the output matches the pattern (after the processed_at column). */
  private static void assertLine(String output, String pattern) {
    Pattern p = Pattern.compile("\\S+ +" + pattern);
    assertTrue(output, output.lines().anyMatch(l -> p.matcher(l).matches()));
  }

  private static void assertOneLineFailure(Cli r, String... fragments) {
    assertNotEquals(r.toString(), 0, r.exit);
    String err = r.err.strip();
    assertEquals(r.toString(), 1, err.lines().count());
    assertThat(err, not(containsString("\tat ")));
    for (String f : fragments) {
      assertThat(r.toString(), err, containsString(f));
    }
  }

  /** lake loads a folder and prints what it did; loads prints the log; a second lake finds nothing. */
  @Test
  public void lakeThenLoads() throws Exception {
    Path lake = newLake();
    String url = newDatabase();

    Cli first = Cli.run("lake", "--input=" + lake, "--jdbcUrl=" + url);

    assertEquals(first.toString(), 0, first.exit);
    List<String> lines = first.out.strip().lines().collect(java.util.stream.Collectors.toList());
    assertThat(lines.get(0), containsString("processed_at"));
    assertLine(first.out, "loaded +schema +analytics\\.user_data +0 +0 +0 +0 +"
        + Pattern.quote(lake + "/analytics/schema/user_data/v1.json"));
    assertLine(first.out, "loaded +append +analytics\\.user_data +5 +5 +0 +5 +"
        + Pattern.quote(lake + "/analytics/append/user_data/2024-03-01.csv"));
    assertLine(first.out, "rejected +append +- +0 +0 +0 +0 +"
        + Pattern.quote(lake + "/analytics/append/User_Data/2024-03-01.csv"));
    assertThat(first.out, containsString("    reason: key refused: table name 'User_Data' is not"
        + " allowed"));
    assertEquals("lake: 3 objects under " + lake + "/: 2 loaded, 1 rejected, 0 failed; rows: 5"
        + " read, 5 loaded, 0 to dead letters", lines.get(lines.size() - 1));
    assertEquals(List.of("5"), query(url, "SELECT count(*) FROM analytics.user_data"));

    Cli loads = Cli.run("loads", "--jdbcUrl=" + url, "--table=user_data");
    assertEquals(loads.toString(), 0, loads.exit);
    List<String> rows = loads.out.strip().lines().collect(java.util.stream.Collectors.toList());
    assertEquals(loads.toString(), 3, rows.size());
    assertThat(rows.get(0), containsString("processed_at"));
    assertTrue(rows.get(1), rows.get(1).matches(".*loaded +append +analytics\\.user_data +5 +5 +0"
        + " +5 +" + Pattern.quote(lake + "/analytics/append/user_data/2024-03-01.csv")));
    assertTrue(rows.get(2), rows.get(2).matches(".*loaded +schema +analytics\\.user_data .*"
        + Pattern.quote(lake + "/analytics/schema/user_data/v1.json")));

    Cli none = Cli.run("loads", "--jdbcUrl=" + url, "--table=user_data", "--since=2999-01-01");
    assertEquals(none.toString(), 0, none.exit);
    assertEquals("no loads into table user_data since 2999-01-01", none.out.strip());

    Cli again = Cli.run("lake", "--input=" + lake, "--jdbcUrl=" + url);
    assertEquals(again.toString(), 0, again.exit);
    assertEquals("lake: nothing new under " + lake + "/", again.out.strip());
  }

  /** Bad arguments get one line naming the problem and a non-zero exit. */
  @Test
  public void badArguments() throws Exception {
    Path lake = newLake();
    String url = newDatabase();
    assertOneLineFailure(Cli.run("lake", "--input=" + lake), "--jdbcUrl");
    assertOneLineFailure(Cli.run("lake", "--input=/no/such/lake", "--jdbcUrl=" + url),
        "--input=/no/such/lake: no such folder");
    assertOneLineFailure(Cli.run("lake", "--input=" + lake, "--jdbcUrl=" + url, "--bogus=1"),
        "unknown option --bogus");
    assertOneLineFailure(Cli.run("lake", "--input=" + lake, "--jdbcUrl=" + url, "--watch=soon"),
        "--watch=soon: not an interval such as 30s");
    assertOneLineFailure(Cli.run("lake", "--input=" + lake, "--jdbcUrl=" + url,
        "--dialect=oracle"), "--dialect=oracle: not postgres or redshift");
    assertOneLineFailure(Cli.run("lake", "--input=" + lake, "--jdbcUrl=mysql://x"),
        "not a jdbc:postgresql: or jdbc:redshift: URL");
    assertOneLineFailure(Cli.run("loads", "--jdbcUrl=" + url, "--since=yesterday"),
        "since 'yesterday' is not an ISO-8601 time");
    assertOneLineFailure(Cli.run("loads", "--jdbcUrl=" + url, "--table=Users;"),
        "is not a table name");
    assertOneLineFailure(Cli.run("serve", "--jdbcUrl=" + url, "--port=70000"),
        "--port=70000: not a port number");
    assertEquals(List.of("0"), query(url, "SELECT count(*) FROM information_schema.tables"
        + " WHERE table_schema = 'analytics'"));
  }

  /** An unreachable database is one line naming it, never with its password. */
  @Test
  public void unreachableDatabase() throws Exception {
    Path lake = newLake();
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/lake?user=u&password=hunter2";
    Map<String, String> env = Map.of("SLUICE_JDBC_PASSWORD", "hunter3");
    List<Cli> runs = new ArrayList<>();
    runs.add(Cli.run(env, "lake", "--input=" + lake, "--jdbcUrl=" + url));
    runs.add(Cli.run(env, "loads", "--jdbcUrl=" + url, "--table=user_data"));
    runs.add(Cli.run(env, "serve", "--jdbcUrl=" + url, "--port=0"));
    for (Cli r : runs) {
      assertOneLineFailure(r, "cannot reach the database at jdbc:postgresql://127.0.0.1:" + port,
          "password=***");
      assertThat(r.toString(), not(containsString("hunter2")));
      assertThat(r.toString(), not(containsString("hunter3")));
    }
  }

  /** serve answers GET /loads over HTTP, and a bad parameter with a 400. */
  @Test
  public void serveAnswers() throws Exception {
    Path lake = newLake();
    String url = newDatabase();
    assertEquals(0, Cli.run("lake", "--input=" + lake, "--jdbcUrl=" + url).exit);
    ProcessBuilder pb = new ProcessBuilder(Cli.ROOT.resolve("bin/sluice").toString(), "serve",
        "--jdbcUrl=" + url, "--port=0").directory(Cli.ROOT.toFile());
    pb.environment().put("SLUICE_NO_BUILD", "1");
    pb.environment().put("JAVA_OPTS", "-Xmx256m");
    File err = TMP.newFile();
    pb.redirectError(err);
    Process p = pb.start();
    try {
      BufferedReader out = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      String first = out.readLine();
      assertNotNull("serve printed nothing; stderr: " + Files.readString(err.toPath()), first);
      Matcher m = Pattern.compile("GET http://127\\.0\\.0\\.1:(\\d+)/loads").matcher(first);
      assertTrue(first, m.find());
      String base = "http://127.0.0.1:" + m.group(1);
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> ok = http.send(HttpRequest.newBuilder(
          URI.create(base + "/loads?table=user_data")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, ok.statusCode());
      JsonNode rows = MAPPER.readTree(ok.body());
      assertEquals(2, rows.size());
      assertEquals("append", rows.get(0).get("action").asText());
      assertEquals(5, rows.get(0).get("rows_loaded").asInt());
      assertEquals("schema", rows.get(1).get("action").asText());
      HttpResponse<String> bad = http.send(HttpRequest.newBuilder(
          URI.create(base + "/loads?since=last-week")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(400, bad.statusCode());
      assertThat(MAPPER.readTree(bad.body()).get("error").asText(),
          containsString("since 'last-week' is not an ISO-8601 time"));
    } finally {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }

  private static List<String> query(String url, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        var rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }
}
