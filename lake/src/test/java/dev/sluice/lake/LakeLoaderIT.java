package dev.sluice.lake;

import static dev.sluice.lake.LakeFixtures.log;
import static dev.sluice.lake.LakeFixtures.rows;
import static dev.sluice.lake.LakeFixtures.testdata;
import static dev.sluice.lake.LakeFixtures.userSchemas;
import static dev.sluice.lake.LakeFixtures.userTables;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.lake.LakeFixtures.ExpectedUsers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;

/**
 * The lake loader end to end on real parts: objects in S3 (S3Proxy) or a local folder, loaded
 * into a real PostgreSQL 17, once with the postgres dialect and once with the redshift dialect's
 * SQL (staging table, MERGE, DELETE). Each test has its own bucket and database.
 */
@RunWith(Parameterized.class)
public class LakeLoaderIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String SCHEMA_KEY = "analytics/schema/user_data/v1.json";
  private static LakeFixtures fx;

  @Parameterized.Parameters(name = "{0}")
  public static List<String> dialects() {
    return List.of("postgres", "redshift");
  }

  @Parameterized.Parameter public String dialect;

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private String bucket;
  private String url;

  @BeforeClass
  public static void startParts() throws Exception {
    fx = LakeFixtures.start();
  }

  @AfterClass
  public static void stopParts() throws Exception {
    if (fx != null) {
      fx.close();
    }
  }

  private void newLake() throws Exception {
    bucket = fx.newBucket();
    url = fx.newDatabase();
  }

  private LakeOptions options() {
    return fx.options("s3://" + bucket + "/", url, dialect);
  }

  private LakeLoader.Summary run() {
    return LakeLoader.run(options());
  }

  private void put(String key, String testFile) throws Exception {
    fx.put(bucket, key, testdata(testFile));
  }

  /** The one log row a pass wrote, as LakeFixtures.log prints it. */
  private static String only(LakeLoader.Summary s) {
    assertEquals(s.records.toString(), 1, s.records.size());
    LoadRecord r = s.records.get(0);
    return r.status + "|" + r.action + "|" + r.table + "|" + r.rowsRead + "|" + r.rowsLoaded
        + "|" + r.rowsRejected + "|" + r.rowsChanged;
  }

  /** Schema, append, the same rows again, truncate, a schema adding a column, an append using it. */
  @Test
  public void lifecycle() throws Exception {
    newLake();
    ExpectedUsers expected = new ExpectedUsers();

    put(SCHEMA_KEY, "user_data/schema-v1.json");
    LakeLoader.Summary s = run();
    assertEquals("loaded|schema|user_data|0|0|0|0", only(s));
    assertEquals("created table with 4 columns", s.records.get(0).reason);
    assertEquals(List.of(), rows(url, expected.select()));

    put("analytics/append/user_data/2024-03-01.csv", "user_data/users-2024-03-01.csv");
    int changed = expected.append(testdata("user_data/users-2024-03-01.csv"));
    s = run();
    assertEquals("loaded|append|user_data|5|5|0|" + changed, only(s));
    assertNull(s.records.get(0).reason);
    assertEquals(expected.lines(), rows(url, expected.select()));

    put("analytics/append/user_data/2024-03-01-again.csv", "user_data/users-2024-03-01.csv");
    changed = expected.append(testdata("user_data/users-2024-03-01.csv"));
    assertEquals(0, changed);
    s = run();
    assertEquals("loaded|append|user_data|5|5|0|0", only(s));
    assertEquals(expected.lines(), rows(url, expected.select()));

    put("analytics/append/user_data/2024-03-02.csv", "user_data/users-2024-03-02.csv");
    changed = expected.append(testdata("user_data/users-2024-03-02.csv"));
    s = run();
    assertEquals("loaded|append|user_data|3|3|0|" + changed, only(s));
    assertEquals(expected.lines(), rows(url, expected.select()));

    put("analytics/truncate/user_data/2024-03-03.csv", "user_data/users-truncate.csv");
    changed = expected.truncate(testdata("user_data/users-truncate.csv"));
    s = run();
    assertEquals("loaded|truncate|user_data|3|3|0|" + changed, only(s));
    assertEquals(expected.lines(), rows(url, expected.select()));

    put("analytics/schema/user_data/v2.json", "user_data/schema-v2.json");
    expected.addColumn("email");
    s = run();
    assertEquals("loaded|schema|user_data|0|0|0|0", only(s));
    assertEquals("added columns [email]", s.records.get(0).reason);
    assertEquals(expected.lines(), rows(url, expected.select()));

    put("analytics/append/user_data/2024-03-04.csv", "user_data/users-with-email.csv");
    changed = expected.append(testdata("user_data/users-with-email.csv"));
    s = run();
    assertEquals("loaded|append|user_data|2|2|0|" + changed, only(s));
    assertEquals(expected.lines(), rows(url, expected.select()));

    assertEquals(7, log(url).size());
    assertEquals(List.of("analytics", "public"), userSchemas(url));
  }

  /** An action the schema does not allow loads nothing and says why. */
  @Test
  public void refusedOperation() throws Exception {
    newLake();
    put(SCHEMA_KEY, "user_data/schema-append-only.json");
    put("analytics/append/user_data/2024-03-01.csv", "user_data/users-2024-03-01.csv");
    assertEquals(2, run().count(LoadRecord.LOADED));
    List<String> before = rows(url, "SELECT * FROM analytics.user_data ORDER BY identifier");
    assertEquals(5, before.size());

    put("analytics/truncate/user_data/2024-03-02.csv", "user_data/users-truncate.csv");
    LakeLoader.Summary s = run();

    assertEquals("rejected|truncate|user_data|0|0|0|0", only(s));
    assertEquals("action truncate is not allowed for table analytics.user_data"
        + " (allowed: append, schema)", s.records.get(0).reason);
    assertEquals(before, rows(url, "SELECT * FROM analytics.user_data ORDER BY identifier"));
  }

  /** A schema change that would drop a column is refused; table and recorded schema stay. */
  @Test
  public void lossySchemaChangeRefused() throws Exception {
    newLake();
    put(SCHEMA_KEY, "user_data/schema-v1.json");
    run();
    List<String> recorded = rows(url, "SELECT schema_json FROM public.sluice_lake_tables");

    put("analytics/schema/user_data/v2.json", "user_data/schema-drops-column.json");
    LakeLoader.Summary s = run();

    assertEquals("rejected|schema|user_data|0|0|0|0", only(s));
    assertEquals("schema change would drop column 'last_name'", s.records.get(0).reason);
    assertEquals(recorded, rows(url, "SELECT schema_json FROM public.sluice_lake_tables"));
    assertEquals(List.of("identifier", "username", "first_name", "last_name"),
        rows(url, "SELECT column_name FROM information_schema.columns WHERE table_schema ="
            + " 'analytics' AND table_name = 'user_data' ORDER BY CASE column_name WHEN"
            + " 'identifier' THEN 0 WHEN 'username' THEN 1 WHEN 'first_name' THEN 2 ELSE 3 END"));
  }

  /** Data for a table with no schema loads nothing, creates nothing, and says why. */
  @Test
  public void missingSchema() throws Exception {
    newLake();
    put("analytics/append/user_data/2024-03-01.csv", "user_data/users-2024-03-01.csv");

    LakeLoader.Summary s = run();

    assertEquals("rejected|append|user_data|0|0|0|0", only(s));
    assertThat(s.records.get(0).reason,
        containsString("table analytics.user_data has no schema yet"));
    assertEquals(List.of("public"), userSchemas(url));
    assertEquals(List.of("public.sluice_lake_tables", "public.sluice_load_log"), userTables(url));
  }

  /** Hostile keys are refused and logged; nothing reaches SQL; good objects beside them load. */
  @Test
  public void maliciousKeys() throws Exception {
    newLake();
    byte[] csv = Files.readAllBytes(testdata("user_data/users-2024-03-01.csv"));
    byte[] schema = Files.readAllBytes(testdata("user_data/schema-v1.json"));
    Map<String, String> hostile = new LinkedHashMap<>();
    hostile.put("../append/user_data/a.csv", "db name '..' is not allowed");
    hostile.put("analytics/append/../a.csv", "table name '..' is not allowed");
    hostile.put("ana\"lytics/append/user_data/a.csv", "db name 'ana\"lytics' is not allowed");
    hostile.put("analytics/append/user'data/a.csv", "table name 'user'data' is not allowed");
    hostile.put("s3://evil/append/user_data/a.csv", "key has 6 parts");
    hostile.put("analytics/append/" + "u".repeat(64) + "/a.csv", "is not allowed");
    hostile.put("anålytics/append/user_data/a.csv", "db name 'an?lytics' is not allowed");
    hostile.put("analytics/append/user_data;drop table x/a.csv",
        "table name 'user_data;drop table x' is not allowed");
    hostile.put("pg_catalog/schema/pg_class/a.json", "db name 'pg_catalog' is reserved");
    hostile.put("analytics/drop/user_data/a.csv", "action 'drop' is not one of");
    hostile.put("notes.txt", "key has 1 part where");
    for (String key : hostile.keySet()) {
      fx.put(bucket, key, key.endsWith(".json") ? schema : csv);
    }
    put(SCHEMA_KEY, "user_data/schema-v1.json");
    String oddFile = "analytics/append/user_data/it's \"odd\" ü; drop table x.csv";
    fx.put(bucket, oddFile, csv);

    LakeLoader.Summary s = run();

    Map<String, String> seen = new LinkedHashMap<>();
    for (LoadRecord r : s.records) {
      assertThat(r.objectKey, startsWith("s3://" + bucket + "/"));
      seen.put(r.objectKey.substring(("s3://" + bucket + "/").length()), r.status);
      String expectedReason = hostile.get(
          r.objectKey.substring(("s3://" + bucket + "/").length()));
      if (expectedReason != null) {
        assertEquals(r.objectKey, LoadRecord.REJECTED, r.status);
        assertThat(r.objectKey, r.reason, startsWith("key refused: "));
        assertThat(r.objectKey, r.reason, containsString(expectedReason));
      }
    }
    Map<String, String> expected = new LinkedHashMap<>();
    hostile.keySet().forEach(k -> expected.put(k, LoadRecord.REJECTED));
    expected.put(SCHEMA_KEY, LoadRecord.LOADED);
    expected.put(oddFile, LoadRecord.LOADED);
    assertEquals(new java.util.TreeMap<>(expected), new java.util.TreeMap<>(seen));
    assertEquals(List.of("analytics", "public"), userSchemas(url));
    assertEquals(List.of("analytics.user_data", "public.sluice_lake_tables",
        "public.sluice_load_log"), userTables(url));
    ExpectedUsers users = new ExpectedUsers();
    users.append(testdata("user_data/users-2024-03-01.csv"));
    assertEquals(users.lines(), rows(url, users.select()));
    assertEquals(List.of(), run().records);
  }

  /** A half-bad file loads its good rows; the bad ones go to dead letters with line and reason. */
  @Test
  public void halfBadFile() throws Exception {
    newLake();
    put(SCHEMA_KEY, "user_data/schema-v1.json");
    put("analytics/append/user_data/half-bad.csv", "user_data/users-half-bad.csv");

    LakeLoader.Summary s = run();

    assertEquals(2, s.records.size());
    LoadRecord r = s.records.get(1);
    assertEquals("loaded|append|user_data|7|3|4|3", r.status + "|" + r.action + "|" + r.table
        + "|" + r.rowsRead + "|" + r.rowsLoaded + "|" + r.rowsRejected + "|" + r.rowsChanged);
    assertEquals("4 rows to dead letters; first: line 3: column 'identifier': expected an"
        + " integer", r.reason);
    assertEquals(List.of("9012|booker12|Rachel|Booker", "2070|grey07|Laura|Grey",
            "9346|jenkins46|Mary|Jenkins").stream().sorted(
                java.util.Comparator.comparingInt(l -> Integer.parseInt(l.split("\\|")[0])))
            .collect(java.util.stream.Collectors.toList()),
        rows(url, "SELECT identifier, username, first_name, last_name FROM analytics.user_data"
            + " ORDER BY identifier"));

    assertNotNull(r.deadLetters);
    String prefix = "s3://" + bucket + "/_dead_letters/analytics/user_data/append-";
    assertThat(r.deadLetters, startsWith(prefix));
    byte[] dead = fx.get(bucket, r.deadLetters.substring(("s3://" + bucket + "/").length()));
    assertNotNull("no dead letters at " + r.deadLetters, dead);
    List<String> summary = new ArrayList<>();
    for (String line : new String(dead, StandardCharsets.UTF_8).split("\n")) {
      JsonNode n = MAPPER.readTree(line);
      assertEquals(r.objectKey, n.get("object").asText());
      summary.add(n.get("line").asInt() + ": " + n.get("reason").asText());
    }
    assertEquals(List.of(
        "3: column 'identifier': expected an integer",
        "5: primary key column 'identifier' is empty",
        "6: column 'first_name': text of 65 "
            + (dialect.equals("redshift") ? "bytes" : "characters") + " is longer than 64",
        "7: has 3 fields where the header has 4"), summary);
    JsonNode first = MAPPER.readTree(new String(dead, StandardCharsets.UTF_8).split("\n")[0]);
    assertEquals("not-a-number", first.get("record").get("Identifier").asText());
    assertEquals("broken", first.get("record").get("Username").asText());

    assertEquals(List.of(), run().records);
  }

  /** With --failFileOnBadRows one bad row rejects the whole file; the table stays empty. */
  @Test
  public void halfBadFileFailsWhole() throws Exception {
    newLake();
    put(SCHEMA_KEY, "user_data/schema-v1.json");
    put("analytics/append/user_data/half-bad.csv", "user_data/users-half-bad.csv");
    LakeOptions o = options();
    o.setFailFileOnBadRows(true);

    LakeLoader.Summary s = LakeLoader.run(o);

    LoadRecord r = s.records.get(1);
    assertEquals("rejected|7|0|4|0", r.status + "|" + r.rowsRead + "|" + r.rowsLoaded + "|"
        + r.rowsRejected + "|" + r.rowsChanged);
    assertEquals("4 of 7 rows do not fit and --failFileOnBadRows is set; first: line 3: column"
        + " 'identifier': expected an integer", r.reason);
    assertEquals(List.of("0"), rows(url, "SELECT count(*) FROM analytics.user_data"));
    assertNotNull(fx.get(bucket, r.deadLetters.substring(("s3://" + bucket + "/").length())));
  }

  /** A restart loads nothing again: rows changed by hand since stay as they are. */
  @Test
  public void restartDoesNotReload() throws Exception {
    newLake();
    put(SCHEMA_KEY, "user_data/schema-v1.json");
    put("analytics/append/user_data/2024-03-01.csv", "user_data/users-2024-03-01.csv");
    assertEquals(2, run().count(LoadRecord.LOADED));
    LakeFixtures.execute(url,
        "UPDATE analytics.user_data SET first_name = 'Changed' WHERE identifier = 9012");
    List<String> logBefore = rows(url, "SELECT * FROM public.sluice_load_log ORDER BY 1");
    List<String> tableBefore = rows(url, "SELECT * FROM analytics.user_data ORDER BY 2");

    LakeLoader.Summary s = run();

    assertEquals(List.of(), s.records);
    assertEquals("lake: nothing new under s3://" + bucket + "/", s.line());
    assertEquals(logBefore, rows(url, "SELECT * FROM public.sluice_load_log ORDER BY 1"));
    assertEquals(tableBefore, rows(url, "SELECT * FROM analytics.user_data ORDER BY 2"));
    assertEquals(List.of("Changed"), rows(url,
        "SELECT first_name FROM analytics.user_data WHERE identifier = 9012"));
  }

  /** A failed load holds back later objects of its table and is retried, in order, next run. */
  @Test
  public void failedLoadIsRetriedInOrder() throws Exception {
    newLake();
    put(SCHEMA_KEY, "user_data/schema-v1.json");
    assertEquals(1, run().count(LoadRecord.LOADED));
    String ddl = rows(url, "SELECT 'CREATE TABLE analytics.user_data (' || string_agg("
        + "quote_ident(column_name) || ' ' || CASE WHEN data_type = 'character varying'"
        + " THEN 'varchar(' || character_maximum_length || ')' ELSE data_type END, ', '"
        + " ORDER BY ordinal_position) || ', PRIMARY KEY (identifier))'"
        + " FROM information_schema.columns WHERE table_schema = 'analytics'").get(0);
    LakeFixtures.execute(url, "DROP TABLE analytics.user_data");
    put("analytics/append/user_data/2024-03-02.csv", "user_data/users-2024-03-02.csv");
    put("analytics/truncate/user_data/2024-03-03.csv", "user_data/users-truncate.csv");

    LakeLoader.Summary failed = run();

    assertEquals(1, failed.records.size());
    LoadRecord f = failed.records.get(0);
    assertEquals(LoadRecord.FAILED, f.status);
    assertThat(f.reason, containsString("42P01"));
    assertEquals(1, f.attempts);

    LakeFixtures.execute(url, ddl);
    LakeLoader.Summary retried = run();

    assertEquals(2, retried.records.size());
    assertEquals("loaded|append|2", retried.records.get(0).status + "|"
        + retried.records.get(0).action + "|" + retried.records.get(0).attempts);
    assertEquals("loaded|truncate|1", retried.records.get(1).status + "|"
        + retried.records.get(1).action + "|" + retried.records.get(1).attempts);
    ExpectedUsers expected = new ExpectedUsers();
    expected.truncate(testdata("user_data/users-truncate.csv"));
    assertEquals(expected.lines(), rows(url, expected.select()));
    assertEquals(List.of("loaded|schema|user_data|0|0|0|0", "loaded|append|user_data|3|3|0|2",
        "loaded|truncate|user_data|3|3|0|3"), log(url));
  }

  /** A local folder works too; a file rewritten in place loads again as a new version. */
  @Test
  public void localFolderAndNewVersion() throws Exception {
    url = fx.newDatabase();
    Path lake = tmp.newFolder("lake").toPath();
    Path data = lake.resolve("analytics/append/user_data/users.csv");
    Files.createDirectories(data.getParent());
    Files.createDirectories(lake.resolve("analytics/schema/user_data"));
    Files.copy(testdata("user_data/schema-v1.json"),
        lake.resolve("analytics/schema/user_data/v1.json"));
    Files.copy(testdata("user_data/users-2024-03-01.csv"), data);
    Files.setLastModifiedTime(lake.resolve("analytics/schema/user_data/v1.json"),
        java.nio.file.attribute.FileTime.fromMillis(1_700_000_000_000L));
    Files.setLastModifiedTime(data,
        java.nio.file.attribute.FileTime.fromMillis(1_700_000_001_000L));
    LakeOptions o = fx.options(lake.toString(), url, dialect);

    assertEquals(2, LakeLoader.run(o).count(LoadRecord.LOADED));
    String firstSum = sha256(data);
    Files.copy(testdata("user_data/users-2024-03-02.csv"), data,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    LakeLoader.Summary s = LakeLoader.run(fx.options(lake.toString(), url, dialect));

    assertEquals(1, s.records.size());
    assertEquals(data.toString(), s.records.get(0).objectKey);
    assertEquals(sha256(data), s.records.get(0).checksum);
    assertEquals(List.of(firstSum, sha256(data)).stream().sorted()
            .collect(java.util.stream.Collectors.toList()),
        rows(url, "SELECT checksum FROM public.sluice_load_log WHERE object_key = '"
            + data + "' ORDER BY checksum"));
    ExpectedUsers expected = new ExpectedUsers();
    expected.append(testdata("user_data/users-2024-03-01.csv"));
    expected.append(testdata("user_data/users-2024-03-02.csv"));
    assertEquals(expected.lines(), rows(url, expected.select()));
    assertTrue(Files.isDirectory(lake));
  }

  private static String sha256(Path file) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }
}
