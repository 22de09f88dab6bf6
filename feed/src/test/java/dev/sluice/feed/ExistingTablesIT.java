package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.sluice.core.pii.SluiceKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Loading into the table an owner already has (real PostgreSQL 17): fields mapped to its
 * columns and types, its own key, or none with {@code table.mode: append}; and the tables that
 * are refused at start, before anything is written.
 */
@RunWith(JUnit4.class)
public class ExistingTablesIT {
  @ClassRule public static final TestPostgres PG = new TestPostgres("existing_it");
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** Seed 001's own DDL: no key, app_version an integer, create_date for the owner to fill. */
  private static final String SEED_DDL = "CREATE TABLE user_logins(user_id varchar(128),"
      + " device_type varchar(32), masked_ip varchar(256), masked_device_id varchar(256),"
      + " locale varchar(32), app_version integer, create_date date)";
  private static final String LOGINS =
      "{\"user_id\": \"u1\", \"app_version\": \"2\", \"device_type\": \"ios\","
          + " \"ip\": \"10.0.0.1\", \"locale\": \"DE\", \"device_id\": \"111-22-3333\"}\n"
          + "{\"user_id\": \"u2\", \"app_version\": 3, \"device_type\": \"android\","
          + " \"ip\": \"10.0.0.2\", \"locale\": \"FR\", \"device_id\": \"444-55-6666\"}\n"
          + "{\"user_id\": \"u3\", \"app_version\": \"2.3.0\", \"device_type\": \"ios\","
          + " \"ip\": \"10.0.0.3\", \"locale\": \"RU\", \"device_id\": \"777-88-9999\"}\n"
          + "{\"user_id\": \"u4\", \"app_version\": 4, \"device_type\":"
          + " \"android-tablet-with-a-forty-char-model!!\", \"ip\": \"10.0.0.4\","
          + " \"locale\": \"PH\", \"device_id\": \"121-21-2121\"}\n";

  private static String spec(String dedup, String table) {
    return "{\"name\": \"user_logins\", \"format\": {\"type\": \"json\"},"
        + " \"fields\": ["
        + "{\"name\": \"user_id\", \"type\": \"string\", \"required\": true},"
        + "{\"name\": \"device_type\", \"type\": \"string\"},"
        + "{\"name\": \"ip\", \"type\": \"string\", \"column\": \"masked_ip\", \"pii\": \"hash\"},"
        + "{\"name\": \"device_id\", \"type\": \"string\", \"column\": \"masked_device_id\","
        + " \"pii\": \"hash\", \"required\": true},"
        + "{\"name\": \"locale\", \"type\": \"string\"},"
        + "{\"name\": \"app_version\", \"type\": \"int\"}]," + dedup
        + " \"partition\": \"\", \"table\": " + table + "}";
  }

  private SluiceOptions options(String url, String spec) throws IOException {
    Path dir = tmp.getRoot().toPath();
    if (!Files.exists(dir.resolve("keys.json"))) {
      PipelineFixtures.writeKeyFile(SluiceKeys.generate("v1"), dir);
    }
    Path specFile = Files.writeString(dir.resolve("spec-" + spec.hashCode() + ".json"), spec);
    Path input = dir.resolve("in/logins.jsonl");
    Files.createDirectories(input.getParent());
    Files.writeString(input, LOGINS);
    SluiceOptions o = PipelineOptionsFactory.as(SluiceOptions.class);
    o.setSpec(specFile.toString());
    o.setInput(input.toString());
    o.setOutput(dir.resolve("out").toString());
    o.setJdbcUrl(url);
    o.setKeyFile(dir.resolve("keys.json").toString());
    o.setCompression("none");
    return o;
  }

  private static void execute(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  private static List<String> rows(String url, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
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

  /** Every file under a folder, as text (the runs here write uncompressed). */
  private static String allText(Path dir) throws IOException {
    StringBuilder b = new StringBuilder();
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        b.append(Files.readString(f)).append('\n');
      }
    }
    return b.toString();
  }

  private static String refusal(SluiceOptions o) {
    try {
      SluicePipeline.run(o);
    } catch (SluiceException e) {
      assertFalse(e.getMessage(), e.getMessage().contains("\n"));
      return e.getMessage();
    }
    throw new AssertionError("the run was not refused");
  }

  /**
   * The seed's table as its owner made it takes the rows with table.mode append: mapped
   * columns, hashed PII, an app_version that is no integer a dead letter, a device_type longer
   * than its varchar(32) a dead letter naming column and limit; a re-run appends.
   */
  @Test
  public void ownersTableWithoutKeyLoadsInAppendMode() throws Exception {
    String url = PG.newDatabase();
    execute(url, SEED_DDL);
    SluiceOptions o = options(url, spec("", "{\"name\": \"user_logins\", \"mode\": \"append\"}"));

    RunLedger ledger = SluicePipeline.run(o);

    assertTrue(ledger.line(), ledger.balanced());
    assertEquals(2, ledger.written());
    assertEquals(Map.of("validate", 2L), ledger.rejectedByStage());
    String deadLetters = allText(tmp.getRoot().toPath().resolve("out"));
    assertThat(deadLetters, containsString("field 'device_type' is 40 characters long;"
        + " column user_logins.device_type holds at most 32"));
    assertFalse(deadLetters.contains("forty-char"));
    assertEquals(List.of("u1|ios|DE|2|null|t", "u2|android|FR|3|null|t"),
        rows(url, "SELECT user_id, device_type, locale, app_version, create_date,"
            + " length(masked_ip) > 16 AND strpos(masked_ip, '10.0.0.') = 0"
            + " AND strpos(masked_device_id, '-22-') = 0 AND strpos(masked_device_id, '-55-') = 0"
            + " FROM user_logins ORDER BY user_id"));

    SluicePipeline.run(o);
    assertEquals(List.of("4"), rows(url, "SELECT count(*) FROM user_logins"));
  }

  /** The same table without append: refused at start, saying why and what to do; nothing written. */
  @Test
  public void tableWithoutKeyRefusedUnlessAppend() throws Exception {
    String url = PG.newDatabase();
    execute(url, SEED_DDL);

    String m = refusal(options(url, spec("", "\"user_logins\"")));
    assertThat(m, containsString("lacks columns [_source_id]"));
    assertThat(m, containsString("table.mode append"));

    m = refusal(options(url, spec("\"dedup\": {\"key\": [\"user_id\"]},", "\"user_logins\"")));
    assertThat(m, containsString("no primary key or unique constraint on [user_id]"));
    assertThat(m, containsString("ALTER TABLE user_logins ADD PRIMARY KEY (user_id)"));

    assertEquals(List.of("0"), rows(url, "SELECT count(*) FROM user_logins"));
    assertFalse(Files.exists(tmp.getRoot().toPath().resolve("out")));
  }

  /** A key the owner declared (a unique index on two columns) is upserted on: a re-run is exact. */
  @Test
  public void ownersOwnKeyIsUpsertedOn() throws Exception {
    String url = PG.newDatabase();
    execute(url, SEED_DDL);
    execute(url, "CREATE UNIQUE INDEX logins_user_device ON user_logins"
        + " (masked_device_id, user_id)");
    SluiceOptions o = options(url, spec("\"dedup\": {\"key\": [\"user_id\", \"device_id\"]},",
        "{\"name\": \"user_logins\", \"key\": [\"user_id\", \"masked_device_id\"]}"));

    SluicePipeline.run(o);
    SluicePipeline.run(o);

    assertEquals(List.of("u1|2", "u2|3"),
        rows(url, "SELECT user_id, app_version FROM user_logins ORDER BY user_id"));
  }

  /** A key column of another type is refused at start naming column and types, not mid-run. */
  @Test
  public void columnOfOtherTypeRefusedAtStart() throws Exception {
    String url = PG.newDatabase();
    execute(url, "CREATE TABLE user_logins (user_id integer PRIMARY KEY, device_type text,"
        + " masked_ip text, masked_device_id text, locale text, app_version integer)");

    String m = refusal(options(url, spec("\"dedup\": {\"key\": [\"user_id\"]},",
        "\"user_logins\"")));

    assertThat(m, containsString("user_id is integer, the spec gives string (text)"));
    assertFalse(m, m.contains("u1"));
    assertFalse(Files.exists(tmp.getRoot().toPath().resolve("out")));
  }
}
