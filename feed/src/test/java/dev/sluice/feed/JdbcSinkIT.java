package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import static dev.sluice.feed.PipelineFixtures.eventsFile;
import static dev.sluice.feed.PipelineFixtures.eventsSpec;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.pii.SluiceKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * {@link SluicePipeline#run} against a real PostgreSQL 17 (embedded, started here): the table it
 * creates, the rows it upserts, a re-run that changes nothing, and the failures it reports at
 * start. Each test gets a database of its own.
 */
@RunWith(JUnit4.class)
public class JdbcSinkIT {
  @ClassRule public static final TestPostgres PG = new TestPostgres("sluice_it");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** An event of the shipped file, and its created_at as the file states it. */
  private static final String CHOSEN_UUID = "b8a1abcd-1a69-16c7-4da4-f9fc3c6da5d7";
  private static final long CHOSEN_CREATED_AT = 1710125535L;


  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static String newDatabase() throws SQLException {
    return PG.newDatabase();
  }

  private SluiceOptions options(String jdbcUrl) throws IOException {
    Path keyFile = tmp.getRoot().toPath().resolve("keys.json");
    if (!Files.exists(keyFile)) {
      PipelineFixtures.writeKeyFile(SluiceKeys.generate("v1"), tmp.getRoot().toPath());
    }
    SluiceOptions o = PipelineOptionsFactory.as(SluiceOptions.class);
    o.setSpec(eventsSpec().toString());
    o.setInput(eventsFile().getParent().resolve("*.jsonl").toString());
    o.setOutput(output().toString());
    o.setJdbcUrl(jdbcUrl);
    o.setKeyFile(keyFile.toString());
    o.setSummary(summary().toString());
    return o;
  }

  private Path output() {
    return tmp.getRoot().toPath().resolve("out/events");
  }

  private Path summary() {
    return tmp.getRoot().toPath().resolve("summary.json");
  }

  private static long count(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      assertTrue(rs.next());
      return rs.getLong(1);
    }
  }

  /** Row versions by key: a row that was rewritten gets a new xmin. */
  private static Map<String, String> rowVersions(String url) throws SQLException {
    Map<String, String> out = new TreeMap<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT event_uuid, xmin::text FROM events")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2));
      }
    }
    return out;
  }

  private static List<String> lines(Path p) throws IOException {
    return Files.readAllLines(p, StandardCharsets.UTF_8);
  }

  /** A first run creates the events table with typed columns and upserts the 60 unique events. */
  @Test
  public void firstRunCreatesTypedTableWithUniqueEvents() throws Exception {
    String url = newDatabase();

    RunLedger ledger = SluicePipeline.run(options(url));

    assertEquals(ledger.line(), 73, ledger.read());
    assertEquals(60, ledger.written());
    assertEquals(5, ledger.duplicates());
    assertEquals(Map.of("parse", 3L, "validate", 5L), ledger.rejectedByStage());

    Map<String, String> types = new LinkedHashMap<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT column_name, data_type FROM information_schema.columns"
                + " WHERE table_schema = 'public' AND table_name = 'events'"
                + " ORDER BY ordinal_position")) {
      while (rs.next()) {
        types.put(rs.getString(1), rs.getString(2));
      }
    }
    Map<String, String> expectedTypes = new LinkedHashMap<>();
    expectedTypes.put("event_uuid", "text");
    expectedTypes.put("event_name", "text");
    expectedTypes.put("event_type", "text");
    expectedTypes.put("event_subtype", "text");
    expectedTypes.put("created_at", "timestamp with time zone");
    expectedTypes.put("payload", "jsonb");
    expectedTypes.put("email", "text");
    expectedTypes.put("extra_fields", "jsonb");
    assertEquals(expectedTypes, types);
    assertEquals(1, count(url,
        "SELECT count(*) FROM information_schema.table_constraints tc"
            + " JOIN information_schema.key_column_usage k"
            + " ON k.constraint_name = tc.constraint_name AND k.table_name = tc.table_name"
            + " WHERE tc.table_name = 'events' AND tc.constraint_type = 'PRIMARY KEY'"
            + " AND k.column_name = 'event_uuid'"));

    Map<String, JsonNode> good = PipelineFixtures.goodUniqueEvents(eventsFile());
    assertEquals(60, count(url, "SELECT count(*) FROM events"));
    TreeSet<String> uuids = new TreeSet<>(rowVersions(url).keySet());
    assertEquals(new TreeSet<>(good.keySet()), uuids);

    Map<String, Long> partitions = new TreeMap<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(
            "SELECT 'event_type=' || event_type || '/dt='"
                + " || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), count(*)"
                + " FROM events GROUP BY 1")) {
      while (rs.next()) {
        partitions.put(rs.getString(1), rs.getLong(2));
      }
    }
    assertEquals(PipelineFixtures.expectedEventPartitions(eventsFile()), partitions);

    JsonNode chosen = good.get(CHOSEN_UUID);
    assertEquals(CHOSEN_CREATED_AT, chosen.get("created_at").asLong());
    try (Connection c = DriverManager.getConnection(url);
        PreparedStatement ps = c.prepareStatement(
            "SELECT event_name, event_type, event_subtype, created_at,"
                + " extract(epoch FROM created_at)::bigint, pg_typeof(payload)::text,"
                + " jsonb_typeof(payload), payload = CAST(? AS jsonb), payload ->> 'amount'"
                + " FROM events WHERE event_uuid = ?")) {
      ps.setString(1, chosen.get("payload").toString());
      ps.setString(2, CHOSEN_UUID);
      try (ResultSet rs = ps.executeQuery()) {
        assertTrue(rs.next());
        assertEquals("lesson:completed", rs.getString(1));
        assertEquals("lesson", rs.getString(2));
        assertEquals("completed", rs.getString(3));
        assertEquals(Instant.ofEpochSecond(CHOSEN_CREATED_AT),
            rs.getObject(4, OffsetDateTime.class).toInstant());
        assertEquals(CHOSEN_CREATED_AT, rs.getLong(5));
        assertEquals("jsonb", rs.getString(6));
        assertEquals("object", rs.getString(7));
        assertTrue("payload equals the file's payload as jsonb", rs.getBoolean(8));
        assertEquals("9.83", rs.getString(9));
        assertFalse(rs.next());
      }
    }

    Path deadLetters = output().resolve("_dead_letters");
    assertEquals(3, lines(deadLetters.resolve("parse/events-00000-of-00001.jsonl")).size());
    assertEquals(5, lines(deadLetters.resolve("validate/events-00000-of-00001.jsonl")).size());
  }

  /** A second run of the same input changes nothing: same 60 rows, none rewritten, same ledger. */
  @Test
  public void secondRunChangesNothing() throws Exception {
    String url = newDatabase();
    RunLedger first = SluicePipeline.run(options(url));
    Map<String, String> versions = rowVersions(url);
    assertEquals(60, versions.size());

    RunLedger second = SluicePipeline.run(options(url));

    assertEquals(first.line(), second.line());
    assertEquals(first.rowsByPartition(), second.rowsByPartition());
    assertEquals(60, second.written());
    assertEquals(60, count(url, "SELECT count(*) FROM events"));
    assertEquals("no row was rewritten", versions, rowVersions(url));
    Path deadLetters = output().resolve("_dead_letters");
    assertEquals(3, lines(deadLetters.resolve("parse/events-00000-of-00001.jsonl")).size());
    assertEquals(5, lines(deadLetters.resolve("validate/events-00000-of-00001.jsonl")).size());
  }

  /** The summary file holds the run's ledger: counts, rejections by stage, rows by partition. */
  @Test
  public void runWritesItsLedgerAsSummary() throws Exception {
    String url = newDatabase();

    SluicePipeline.run(options(url));

    JsonNode s = MAPPER.readTree(summary().toFile());
    assertEquals("events", s.get("feed").asText());
    assertEquals(73, s.get("read").asLong());
    assertEquals(60, s.get("written").asLong());
    assertEquals(5, s.get("duplicates").asLong());
    assertEquals(8, s.get("rejected").asLong());
    assertTrue(s.get("balanced").asBoolean());
    assertEquals(MAPPER.readTree("{\"parse\": 3, \"validate\": 5}"), s.get("rejected_by_stage"));
    Map<String, Long> partitions = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = s.get("rows_by_partition").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      partitions.put(e.getKey(), e.getValue().asLong());
    }
    assertEquals(PipelineFixtures.expectedEventPartitions(eventsFile()), partitions);
    assertEquals(output().toString(), s.get("output").asText());
    assertEquals(output().resolve("_dead_letters").toString(), s.get("dead_letters").asText());
  }

  /** An existing table lacking a column of the feed fails the run at start, naming the column. */
  @Test
  public void existingTableLackingColumnFailsAtStart() throws Exception {
    String url = newDatabase();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE events (event_uuid text PRIMARY KEY, event_name text,"
          + " event_type text, event_subtype text, created_at timestamptz)");
    }

    try {
      SluicePipeline.run(options(url));
      fail("a table without payload must fail the run");
    } catch (SluiceException e) {
      assertThat(e.getMessage(), containsString("payload"));
      assertThat(e.getMessage(), containsString("events"));
      assertThat(e.getMessage(), not(containsString("event_uuid")));
      assertFalse(e.getMessage().contains("\n"));
    }
    assertEquals(0, count(url, "SELECT count(*) FROM events"));
    assertEquals(0, count(url, "SELECT count(*) FROM information_schema.columns"
        + " WHERE table_name = 'events' AND column_name = 'payload'"));
    assertFalse("nothing was written", Files.exists(output()));
    assertFalse(Files.exists(summary()));
  }

  /** An unreachable database fails the run at start with one line that shows no password. */
  @Test
  public void unreachableDatabaseFailsAtStartWithoutPassword() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/postgres?user=postgres"
        + "&password=secret";

    try {
      SluicePipeline.run(options(url));
      fail("an unreachable database must fail the run");
    } catch (SluiceException e) {
      assertThat(e.getMessage(), containsString("cannot reach"));
      assertThat(e.getMessage(), containsString("127.0.0.1:" + closedPort));
      assertThat(e.getMessage(), not(containsString("secret")));
      assertFalse(e.getMessage(), e.getMessage().contains("\n"));
      StringWriter trace = new StringWriter();
      e.printStackTrace(new PrintWriter(trace));
      assertThat(trace.toString(), not(containsString("secret")));
    }
    assertFalse("nothing was written", Files.exists(output()));
    assertFalse(Files.exists(summary()));
  }
}
