package dev.sluice.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.standins.LocalServices;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * The weblogs feed end to end through {@code bin/sluice}: rotated access logs (one gzipped) on
 * S3 (S3Proxy) into gzip JSON-lines partitions by day and by ISO week, and into Postgres; client
 * ips and users only encrypted, revealed with the key; a re-run (as from cron) replaces its
 * output. Expectations come from a reading of the logs made here, never from Sluice.
 */
public class WeblogsIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String BUCKET = "weblogs";
  private static final String SHARD = "weblogs-00000-of-00001";
  private static LocalServices.S3 s3;
  private static S3Objects lake;
  private static EmbeddedPostgres pg;
  private static Path keys;
  private static Map<String, String> env;

  @BeforeClass
  public static void start() throws Exception {
    try {
      s3 = LocalServices.S3.start(null, LocalServices.freePort());
      s3.context().getBlobStore().createContainerInLocation(null, BUCKET);
      lake = new S3Objects(s3.context().getBlobStore(), BUCKET);
      pg = EmbeddedPostgres.builder().start();
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
    keys = TMP.getRoot().toPath().resolve("keys.json");
    assertEquals(0, Cli.run("keys", "new", "--out=" + keys).exit);
    env = new HashMap<>();
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ACCESS_KEY_ID", LocalServices.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", LocalServices.SECRET_KEY);
    env.put("AWS_ENDPOINT_URL_S3", s3.endpoint());
  }

  @AfterClass
  public static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {s3, pg}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // keep closing
        }
      }
    }
  }

  /** One log line as read here: the fields a test needs, or null when it is broken. */
  static final class Line {
    private static final Pattern CLF = Pattern.compile(
        "(\\S+) \\S+ (\\S+) \\[([^\\]]+)\\] \"([A-Z]+) ([^ \"]+) HTTP/[0-9.]+\" ([0-9]{3})"
            + " ([0-9]+|-) \"[^\"]*\" \"(?:[^\"\\\\]|\\\\.)*\"");
    private static final DateTimeFormatter TIME =
        DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);

    final String ip;
    final String user;
    final OffsetDateTime utc;
    final String target;

    private Line(String ip, String user, OffsetDateTime utc, String target) {
      this.ip = ip;
      this.user = user;
      this.utc = utc;
      this.target = target;
    }

    static Line of(String text) {
      Matcher m = CLF.matcher(text);
      if (!m.matches()) {
        return null;
      }
      try {
        OffsetDateTime t = OffsetDateTime.parse(m.group(3), TIME)
            .withOffsetSameInstant(ZoneOffset.UTC);
        return new Line(m.group(1), m.group(2).equals("-") ? null : m.group(2), t, m.group(5));
      } catch (DateTimeParseException e) {
        return null;
      }
    }

    String day() {
      return "dt=" + utc.toLocalDate();
    }

    String week() {
      return String.format(Locale.ROOT, "week=%04d-W%02d", utc.get(IsoFields.WEEK_BASED_YEAR),
          utc.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
    }
  }

  private static List<String> shipped(String name) throws Exception {
    List<String> out = new ArrayList<>();
    for (String l : Files.readAllLines(Cli.ROOT.resolve("testdata/weblogs/" + name))) {
      if (!l.isEmpty()) {
        out.add(l);
      }
    }
    return out;
  }

  private static byte[] gzip(String text) throws Exception {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(b)) {
      z.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return b.toByteArray();
  }

  private static Map<String, Long> expectedPartitions(List<String> lines, boolean weekly) {
    Map<String, Long> out = new TreeMap<>();
    for (String l : lines) {
      Line x = Line.of(l);
      if (x != null) {
        out.merge(weekly ? x.week() : x.day(), 1L, Long::sum);
      }
    }
    return out;
  }

  /** Rows per partition folder under a prefix, counted in the objects. */
  private static Map<String, Long> rowsPerPartition(String prefix) throws Exception {
    Map<String, Long> out = new TreeMap<>();
    for (String key : lake.keys(prefix)) {
      if (key.contains("_dead_letters")) {
        continue;
      }
      assertTrue(key, key.endsWith("/" + SHARD + ".jsonl.gz"));
      String partition = key.substring(prefix.length(), key.lastIndexOf('/'));
      out.merge(partition, (long) lake.lines(key).size(), Long::sum);
    }
    return out;
  }

  private static List<String> column(String db, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = pg.getDatabase("postgres", db).getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  /**
   * Rotated logs on S3, daily then weekly: exact partitions and rows, UTC times, a reason per
   * broken line, encrypted ip and user revealed with the key, no raw ip or user anywhere, and
   * cron re-runs that replace their output, also after the live log grew.
   */
  @Test
  public void rotatedLogsIntoDailyAndWeeklyPartitions() throws Exception {
    List<String> older = shipped("access.log.1");
    List<String> live = shipped("access.log");
    lake.put("logs/access.log.1.gz", gzip(String.join("\n", older) + "\n"));
    lake.put("logs/access.log", (String.join("\n", live) + "\n").getBytes(StandardCharsets.UTF_8));
    List<String> all = new ArrayList<>(older);
    all.addAll(live);
    long good = all.stream().filter(l -> Line.of(l) != null).count();
    assertEquals(54, good);
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE weblogs");
    }
    String url = pg.getJdbcUrl("postgres", "weblogs");
    Path summary = TMP.getRoot().toPath().resolve("daily.json");
    String[] daily = {"run", "--spec=testdata/weblogs/spec.json",
        "--input=s3://weblogs/logs/access.log*", "--output=s3://weblogs/daily",
        "--jdbcUrl=" + url, "--keyFile=" + keys, "--summary=" + summary};

    Cli first = Cli.run(env, daily);
    assertEquals(first.toString(), 0, first.exit);
    JsonNode s1 = MAPPER.readTree(summary.toFile());
    assertEquals(all.size(), s1.get("read").asLong());
    assertEquals(good, s1.get("written").asLong());
    assertEquals(2, s1.get("rejected_by_stage").size());
    assertEquals(3, s1.get("rejected_by_stage").get("parse").asLong());
    assertEquals(1, s1.get("rejected_by_stage").get("validate").asLong());
    Map<String, Long> days = expectedPartitions(all, false);
    assertEquals(Map.of("dt=2024-12-29", 2L, "dt=2024-12-30", 26L, "dt=2024-12-31", 5L,
        "dt=2025-01-01", 21L), days);
    assertEquals(days, rowsPerPartition("daily/"));
    TreeSet<String> dailyKeys = new TreeSet<>();
    days.keySet().forEach(d -> dailyKeys.add("daily/" + d + "/" + SHARD + ".jsonl.gz"));
    dailyKeys.add("daily/_dead_letters/parse/" + SHARD + ".jsonl");
    dailyKeys.add("daily/_dead_letters/validate/" + SHARD + ".jsonl");
    assertEquals(dailyKeys, lake.keys("daily/"));
    assertEquals(List.of(Long.toString(good)), column("weblogs", "SELECT count(*) FROM weblogs"));

    // 17:06:38 at -0700 on 29 December is 00:06:38 UTC on the 30th, ISO week 2025-W01.
    JsonNode row = null;
    for (String l : lake.lines("daily/dt=2024-12-30/" + SHARD + ".jsonl.gz")) {
      JsonNode n = MAPPER.readTree(l);
      if (n.get("path").asText().equals("/api/v1/items/318")) {
        row = n;
      }
    }
    assertEquals("2024-12-30T00:06:38Z", row.get("ts").asText());
    assertEquals("GET", row.get("method").asText());
    assertEquals(200, row.get("status").asInt());
    assertEquals(47950, row.get("bytes").asLong());
    assertTrue(row.get("query").isNull());
    assertThat(row.get("client_ip").asText(), containsString("v1:"));

    List<String> dead = new ArrayList<>(lake.lines("daily/_dead_letters/parse/" + SHARD
        + ".jsonl"));
    dead.addAll(lake.lines("daily/_dead_letters/validate/" + SHARD + ".jsonl"));
    Map<String, String> reasons = new TreeMap<>();
    for (String d : dead) {
      JsonNode n = MAPPER.readTree(d);
      reasons.put(n.get("origin").asText(), n.get("stage").asText() + ": "
          + n.get("reason").asText());
    }
    String mismatch = "parse: line does not match the feed's pattern";
    assertEquals(Map.of(
            "s3://weblogs/logs/access.log.1.gz:6", mismatch,
            "s3://weblogs/logs/access.log.1.gz:16", mismatch,
            "s3://weblogs/logs/access.log:10", "validate: field 'ts': expected a timestamp"
                + " (dd/MMM/yyyy:HH:mm:ss Z), got text that is not",
            "s3://weblogs/logs/access.log:28", mismatch),
        reasons);

    // Reveal: every distinct token of the output gives back exactly the ips and users read.
    TreeSet<String> ipTokens = new TreeSet<>();
    TreeSet<String> userTokens = new TreeSet<>();
    for (String key : lake.keys("daily/dt=")) {
      for (String l : lake.lines(key)) {
        JsonNode n = MAPPER.readTree(l);
        ipTokens.add(n.get("client_ip").asText());
        if (!n.get("user").isNull()) {
          userTokens.add(n.get("user").asText());
        }
      }
    }
    TreeSet<String> ips = new TreeSet<>();
    TreeSet<String> users = new TreeSet<>();
    for (String l : all) {
      Line x = Line.of(l);
      if (x != null) {
        ips.add(x.ip);
        if (x.user != null) {
          users.add(x.user);
        }
      }
    }
    assertEquals(ips.size(), ipTokens.size());
    List<String> revealArgs = new ArrayList<>(List.of("reveal", "--keyFile=" + keys,
        "--field=client_ip"));
    revealArgs.addAll(ipTokens);
    Cli reveal = Cli.run(revealArgs.toArray(new String[0]));
    assertEquals(reveal.toString(), 0, reveal.exit);
    assertEquals(ips, new TreeSet<>(reveal.out.strip().lines().toList()));
    revealArgs = new ArrayList<>(List.of("reveal", "--keyFile=" + keys, "--field=user"));
    revealArgs.addAll(userTokens);
    Cli revealUsers = Cli.run(revealArgs.toArray(new String[0]));
    assertEquals(revealUsers.toString(), 0, revealUsers.exit);
    assertEquals(users, new TreeSet<>(revealUsers.out.strip().lines().toList()));
    assertEquals(Set.of("alice", "bob.smith", "svc-reporting"), users);

    // Weekly, chosen on the command line over the spec's default.
    Cli weekly = Cli.run(env, "run", "--spec=testdata/weblogs/spec.json",
        "--input=s3://weblogs/logs/access.log*", "--output=s3://weblogs/weekly",
        "--keyFile=" + keys, "--partitioning=weekly");
    assertEquals(weekly.toString(), 0, weekly.exit);
    Map<String, Long> weeks = expectedPartitions(all, true);
    assertEquals(Map.of("week=2024-W52", 2L, "week=2025-W01", 52L), weeks);
    assertEquals(weeks, rowsPerPartition("weekly/"));
    assertThat(weekly.out, containsString("week=2025-W01  52"));

    // Nothing raw: no ip or user in objects, dead letters, the table or what the runs printed.
    StringBuilder everything = new StringBuilder(lake.allText("daily/"))
        .append(lake.allText("weekly/")).append(first.out).append(first.err)
        .append(weekly.out).append(weekly.err);
    everything.append(String.join("\n", column("weblogs", "SELECT t::text FROM weblogs t")));
    for (String raw : ips) {
      assertThat("leaked " + raw, everything.toString(), not(containsString(raw)));
    }
    for (String raw : users) {
      assertThat("leaked " + raw, everything.toString(), not(containsString(raw)));
    }

    // Cron: the same logs again replace the same objects with the same rows.
    Map<String, List<String>> before = lake.sortedContent("daily/");
    Cli again = Cli.run(env, daily);
    assertEquals(again.toString(), 0, again.exit);
    assertEquals(before, lake.sortedContent("daily/"));
    assertEquals(List.of(Long.toString(good)), column("weblogs", "SELECT count(*) FROM weblogs"));

    // The live log grew; the next cron run rewrites the partitions it touches, adds none twice.
    List<String> grown = new ArrayList<>(live);
    grown.add("198.51.100.23 - - [01/Jan/2025:09:15:00 -0700] \"GET /health HTTP/1.1\" 200 12"
        + " \"-\" \"kube-probe/1.31\"");
    grown.add("198.51.100.23 - - [01/Jan/2025:18:30:00 -0700] \"GET /health HTTP/1.1\" 200 12"
        + " \"-\" \"kube-probe/1.31\"");
    lake.put("logs/access.log",
        (String.join("\n", grown) + "\n").getBytes(StandardCharsets.UTF_8));
    Cli third = Cli.run(env, daily);
    assertEquals(third.toString(), 0, third.exit);
    List<String> now = new ArrayList<>(older);
    now.addAll(grown);
    Map<String, Long> grownDays = expectedPartitions(now, false);
    assertEquals(Long.valueOf(22), grownDays.get("dt=2025-01-01"));
    assertEquals(Long.valueOf(1), grownDays.get("dt=2025-01-02"));
    assertEquals(grownDays, rowsPerPartition("daily/"));
    for (String d : List.of("dt=2024-12-29", "dt=2024-12-30", "dt=2024-12-31")) {
      String key = "daily/" + d + "/" + SHARD + ".jsonl.gz";
      assertEquals(key, before.get(key), lake.sortedContent(key).get(key));
    }
    assertEquals(List.of(Long.toString(good + 2)),
        column("weblogs", "SELECT count(*) FROM weblogs"));
  }

  /** {@code generate} is deterministic by seed, its lines all load, and broken ones are caught. */
  @Test
  public void generatedLogsAreDeterministicAndLoad() throws Exception {
    Path dir = TMP.newFolder("gen").toPath();
    for (String name : List.of("a.log", "b.log")) {
      Cli g = Cli.run("generate", "--feed=weblogs", "--count=400", "--seed=9",
          "--out=" + dir.resolve(name));
      assertEquals(g.toString(), 0, g.exit);
    }
    Cli other = Cli.run("generate", "--feed=weblogs", "--count=400", "--seed=10",
        "--out=" + TMP.getRoot().toPath().resolve("other.log"));
    assertEquals(other.toString(), 0, other.exit);
    byte[] a = Files.readAllBytes(dir.resolve("a.log"));
    assertArrayEquals(a, Files.readAllBytes(dir.resolve("b.log")));
    assertNotEquals(new String(a, StandardCharsets.UTF_8),
        Files.readString(TMP.getRoot().toPath().resolve("other.log")));
    Files.delete(dir.resolve("b.log"));
    List<String> lines = Files.readAllLines(dir.resolve("a.log"));
    assertEquals(400, lines.stream().filter(l -> Line.of(l) != null).count());

    Cli run = Cli.run("run", "--spec=testdata/weblogs/spec.json", "--input=" + dir + "/*.log",
        "--output=" + TMP.newFolder("gen-out"), "--keyFile=" + keys, "--partitioning=weekly");
    assertEquals(run.toString(), 0, run.exit);
    assertThat(run.out, containsString("read 400 = written 400 + duplicates 0 + rejected 0"));

    Path broken = TMP.newFolder("gen-broken").toPath();
    Cli g = Cli.run("generate", "--feed=weblogs", "--count=400", "--seed=11", "--broken=0.1",
        "--out=" + broken.resolve("access.log.gz"));
    assertEquals(g.toString(), 0, g.exit);
    Cli run2 = Cli.run("run", "--spec=testdata/weblogs/spec.json",
        "--input=" + broken + "/access.log*", "--output=" + TMP.newFolder("gen-broken-out"),
        "--keyFile=" + keys);
    assertEquals(run2.toString(), 0, run2.exit);
    Matcher m = Pattern.compile("read 400 = written (\\d+) \\+ duplicates 0 \\+ rejected (\\d+)")
        .matcher(run2.out);
    assertTrue(run2.out, m.find());
    assertThat(Integer.parseInt(m.group(2)), greaterThan(10));
  }
}
