package dev.sluice.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** {@code bin/sluice run} on the shipped feeds, against a real embedded Postgres. */
public class ShippedFeedsIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static EmbeddedPostgres pg;
  private static Path keyFile;

  @BeforeClass
  public static void startPostgres() throws Exception {
    pg = EmbeddedPostgres.builder().start();
    keyFile = TMP.getRoot().toPath().resolve("keys.json");
    Cli keys = Cli.run("keys", "new", "--out=" + keyFile);
    assertEquals(keys.toString(), 0, keys.exit);
  }

  @AfterClass
  public static void stopPostgres() throws IOException {
    if (pg != null) {
      pg.close();
    }
  }

  /** What the events rules say about the shipped file, worked out here without Sluice. */
  static final class Expected {
    long read;
    long duplicates;
    long rejected;
    Set<String> uuids = new HashSet<>();
    TreeMap<String, Long> partitions = new TreeMap<>();
  }

  static Expected expectEvents(Path file) throws IOException {
    Expected e = new Expected();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.isEmpty()) {
        continue;
      }
      e.read++;
      JsonNode n;
      try {
        n = MAPPER.readTree(line);
      } catch (IOException ex) {
        e.rejected++;
        continue;
      }
      boolean ok = n != null && n.isObject()
          && n.path("event_uuid").isTextual() && !n.path("event_uuid").asText().isEmpty()
          && n.path("event_name").isTextual() && n.path("event_name").asText().contains(":")
          && n.path("created_at").isIntegralNumber();
      if (!ok) {
        e.rejected++;
        continue;
      }
      if (!e.uuids.add(n.get("event_uuid").asText())) {
        e.duplicates++;
        continue;
      }
      String type = n.get("event_name").asText().split(":", 2)[0];
      String dt = Instant.ofEpochSecond(n.get("created_at").asLong()).atZone(ZoneOffset.UTC)
          .toLocalDate().toString();
      e.partitions.merge("event_type=" + type + "/dt=" + dt, 1L, Long::sum);
    }
    return e;
  }

  private static String url() {
    return pg.getJdbcUrl("postgres", "postgres");
  }

  private static long count(String sql) throws Exception {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static Set<String> files(Path root) throws IOException {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString())
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  /** The events feed: exact ledger, partitions, table; a second run changes no counts. */
  @Test
  public void eventsFeedRunsExactlyAndIdempotently() throws Exception {
    Path data = Cli.ROOT.resolve("testdata/events/events-2024-03-09.jsonl");
    Expected want = expectEvents(data);
    Path out = TMP.newFolder("events-out").toPath();
    Path summary = TMP.getRoot().toPath().resolve("events-summary.json");
    String[] args = {"run", "--spec=testdata/events/spec.json",
        "--input=testdata/events/*.jsonl", "--output=" + out, "--jdbcUrl=" + url(),
        "--keyFile=" + keyFile, "--summary=" + summary};

    Cli first = Cli.run(args);
    assertEquals(first.toString(), 0, first.exit);
    JsonNode s1 = MAPPER.readTree(summary.toFile());
    assertEquals(want.read, s1.get("read").asLong());
    assertEquals(want.uuids.size(), s1.get("written").asLong());
    assertEquals(want.duplicates, s1.get("duplicates").asLong());
    assertEquals(want.rejected, s1.get("rejected").asLong());
    assertTrue(s1.get("balanced").asBoolean());
    TreeMap<String, Long> parts = new TreeMap<>();
    s1.get("rows_by_partition").fields()
        .forEachRemaining(f -> parts.put(f.getKey(), f.getValue().asLong()));
    assertEquals(want.partitions, parts);
    assertThat(first.out, containsString("[balanced]"));

    Set<String> expectedFolders = new TreeSet<>(want.partitions.keySet());
    Set<String> folders = files(out).stream().filter(f -> f.startsWith("event_type="))
        .map(f -> f.substring(0, f.lastIndexOf('/'))).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(expectedFolders, folders);
    assertEquals(want.uuids.size(), count("SELECT count(*) FROM events"));
    assertEquals(want.uuids.size(), count("SELECT count(DISTINCT event_uuid) FROM events"));
    Set<String> filesAfterFirst = files(out);

    Cli second = Cli.run(args);
    assertEquals(second.toString(), 0, second.exit);
    JsonNode s2 = MAPPER.readTree(summary.toFile());
    assertEquals(s1, s2);
    assertEquals(want.uuids.size(), count("SELECT count(*) FROM events"));
    assertEquals(filesAfterFirst, files(out));
  }

  /** The logins feed: rows keyed by source, ip and device id only as keyed hashes. */
  @Test
  public void userLoginsFeedHashesIpAndDevice() throws Exception {
    Path out = TMP.newFolder("logins-out").toPath();
    String[] args = {"run", "--spec=testdata/user_logins/spec.json",
        "--input=testdata/user_logins/*.jsonl", "--output=" + out, "--jdbcUrl=" + url(),
        "--keyFile=" + keyFile};
    Cli run = Cli.run(args);
    assertEquals(run.toString(), 0, run.exit);
    List<String> lines = Files.readAllLines(
        Cli.ROOT.resolve("testdata/user_logins/user_logins-1.jsonl"));
    long valid = 0;
    Set<String> ips = new HashSet<>();
    for (String l : lines) {
      try {
        JsonNode n = MAPPER.readTree(l);
        if (n.isObject() && n.path("user_id").isTextual()) {
          valid++;
        }
        if (n.isObject() && n.path("ip").isTextual()) {
          ips.add(n.get("ip").asText());
        }
      } catch (IOException e) {
        // not JSON: a dead letter
      }
    }
    assertThat(run.out, containsString("read " + lines.size() + " = written " + valid));
    assertEquals(valid, count("SELECT count(*) FROM user_logins"));
    assertEquals(0, count("SELECT count(*) FROM user_logins WHERE masked_ip NOT LIKE 'v1:%'"));
    for (String ip : ips) {
      assertEquals(0, count("SELECT count(*) FROM user_logins WHERE masked_ip = '" + ip + "'"));
    }
    Cli again = Cli.run(args);
    assertEquals(again.toString(), 0, again.exit);
    assertEquals(valid, count("SELECT count(*) FROM user_logins"));
  }
}
