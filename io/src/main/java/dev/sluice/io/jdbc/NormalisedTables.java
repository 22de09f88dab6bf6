package dev.sluice.io.jdbc;

import dev.sluice.io.SluiceException;
import dev.sluice.core.cafe.NormaliseCafeOrders;
import dev.sluice.core.normalise.NormalisedTable;
import dev.sluice.core.normalise.Normaliser;
import dev.sluice.core.normalise.Normalisers;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Creates the tables of a feed's normaliser when absent (keys, NOT NULL, foreign keys), checks
 * existing ones have the columns, and (re)creates the normaliser's views, all in one
 * transaction under an advisory lock, so that runs starting together (two branches' files
 * loading in parallel) do not race on the DDL.
 */
public final class NormalisedTables {
  /** Advisory lock key of Sluice's DDL ("sluice" in ASCII). */
  static final long DDL_LOCK = 0x736c75696365L;

  private NormalisedTables() {}

  public static void ensure(Database db, FeedSpec spec) {
    Normaliser normaliser = Normalisers.forSpec(spec);
    String current = "";
    try (Connection c = db.connect()) {
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SELECT pg_advisory_xact_lock(" + DDL_LOCK + ")");
        for (NormalisedTable t : normaliser.tables()) {
          current = "table " + t.name();
          s.execute(createTable(t));
          requireColumns(c, db, t);
        }
        for (String view : views(spec)) {
          current = "view " + view.substring("CREATE OR REPLACE VIEW ".length(),
              view.indexOf(" AS"));
          s.execute(view);
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new SluiceException(current + ": " + db.describe(e));
    }
  }

  /** The views a normaliser comes with. */
  static List<String> views(FeedSpec spec) {
    if (NormaliseCafeOrders.KIND.equals(spec.normalise)) {
      return CafeViews.statements(spec.field("ordered_at").zone);
    }
    return List.of();
  }

  static String createTable(NormalisedTable t) {
    StringJoiner cols = new StringJoiner(", ");
    for (Map.Entry<String, FieldType> c : t.columns().entrySet()) {
      String col = SqlDialect.quote(c.getKey()) + " " + c.getValue().sqlType();
      if (!t.isNullable(c.getKey())) {
        col += " NOT NULL";
      }
      String ref = t.references().get(c.getKey());
      if (ref != null) {
        col += " REFERENCES " + SqlDialect.quote(ref) + " (" + SqlDialect.quote(c.getKey()) + ")";
      }
      cols.add(col);
    }
    StringJoiner k = new StringJoiner(", ");
    t.key().forEach(c -> k.add(SqlDialect.quote(c)));
    return "CREATE TABLE IF NOT EXISTS " + SqlDialect.quote(t.name()) + " (" + cols
        + ", PRIMARY KEY (" + k + "))";
  }

  private static void requireColumns(Connection c, Database db, NormalisedTable t)
      throws SQLException {
    Set<String> present = new HashSet<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT column_name FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ?")) {
      ps.setString(1, t.name());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          present.add(rs.getString(1));
        }
      }
    }
    List<String> missing = new ArrayList<>();
    for (String col : t.columns().keySet()) {
      if (!present.contains(col)) {
        missing.add(col);
      }
    }
    if (!missing.isEmpty()) {
      throw new SluiceException("table " + t.name() + " at " + db.displayUrl()
          + " exists but lacks columns " + missing + "; add them or use another database");
    }
  }
}
