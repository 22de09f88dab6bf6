package dev.sluice.io.jdbc;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import dev.sluice.feed.TestPostgres;
import dev.sluice.core.spec.FeedSpec;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.Row;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;

/**
 * {@link WriteRows} on a real Postgres (embedded, started here): COPY into an empty table,
 * batches that meet rows already there, and a table key repeated within one batch.
 */
public class WriteRowsIT {
  @ClassRule public static final TestPostgres PG = new TestPostgres("write_rows");
  private static final FeedSpec SPEC = FeedSpec.parse("""
      {"name": "scores", "format": {"type": "json"},
       "fields": [
         {"name": "player", "type": "string", "required": true},
         {"name": "score", "type": "long"},
         {"name": "note", "type": "string"}],
       "table": {"name": "scores", "key": ["player"]}}
      """, "test spec");

  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static Database newDatabase() throws SQLException {
    Database db = Database.of(PG.newDatabase(), null);
    Tables.ensure(db, new PostgresDialect(), SPEC);
    return db;
  }

  private static Row row(String player, Long score, String note) {
    Schema schema = SPEC.outputSchema();
    // A feed without a dedup key carries _source_id (here made up from the player).
    return Row.withSchema(schema).addValues(player, score, note, "s-" + player).build();
  }

  private void write(Database db, List<Row> rows, int batchSize) {
    p.apply(Create.of(rows).withRowSchema(SPEC.outputSchema()))
        .apply(WriteRows.of(SPEC).to(db).withDialect(new PostgresDialect())
            .withBatchSize(batchSize));
    p.run().waitUntilFinish();
  }

  /** player to "score|note|xmin". */
  private static Map<String, String> table(Database db) throws SQLException {
    Map<String, String> out = new TreeMap<>();
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT player, score, note, xmin::text FROM scores")) {
      while (rs.next()) {
        out.put(rs.getString(1), rs.getString(2) + "|" + rs.getString(3) + "|" + rs.getString(4));
      }
    }
    return out;
  }

  private static String values(String stored) {
    return stored.substring(0, stored.lastIndexOf('|'));
  }

  private static String version(String stored) {
    return stored.substring(stored.lastIndexOf('|') + 1);
  }

  @Test
  public void rowsWithTabsBackslashesNewlinesAndNullsArriveAsTheyWere() throws Exception {
    Database db = newDatabase();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 250; i++) {
      rows.add(row("p" + i, (long) i, i % 2 == 0 ? null : "a\tb\\c\nd\re \\N é"));
    }
    write(db, rows, 100);

    Map<String, String> t = table(db);
    assertEquals(250, t.size());
    assertEquals("0|null", values(t.get("p0")));
    assertEquals("7|a\tb\\c\nd\re \\N é", values(t.get("p7")));
  }

  @Test
  public void batchesMeetingStoredRowsUpdateOnlyWhatDiffers() throws Exception {
    Database db = newDatabase();
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO scores VALUES ('p1', 1, 'same', 's-p1'), ('p2', 0, 'stale', 's-p2')");
    }
    Map<String, String> before = table(db);
    List<Row> rows = new ArrayList<>();
    rows.add(row("p1", 1L, "same"));
    rows.add(row("p2", 2L, "fresh"));
    for (int i = 3; i < 40; i++) {
      rows.add(row("p" + i, (long) i, null));
    }
    write(db, rows, 10);

    Map<String, String> t = table(db);
    assertEquals(39, t.size());
    assertEquals("unchanged row not rewritten", version(before.get("p1")), version(t.get("p1")));
    assertEquals("2|fresh", values(t.get("p2")));
    assertNotEquals(version(before.get("p2")), version(t.get("p2")));
    assertEquals("39|null", values(t.get("p39")));
  }

  @Test
  public void aKeyRepeatedWithinABatchLeavesOneRow() throws Exception {
    Database db = newDatabase();
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      s.execute("INSERT INTO scores VALUES ('other', 0, null, 's-other')");
    }
    List<Row> rows = List.of(row("p", 1L, "first"), row("p", 2L, "second"), row("q", 3L, null));
    write(db, rows, 1000);

    Map<String, String> t = table(db);
    assertEquals(3, t.size());
    String p = values(t.get("p"));
    assertTrue(p, p.equals("1|first") || p.equals("2|second"));
    assertEquals("3|null", values(t.get("q")));
  }
}
