package dev.sluice.pipeline.jdbc;

import dev.sluice.pipeline.SluiceException;
import dev.sluice.transforms.spec.FeedSpec;
import dev.sluice.transforms.spec.FieldSpec;
import dev.sluice.transforms.spec.FieldType;
import dev.sluice.transforms.spec.Names;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Creates a feed's table when absent, and checks an existing one can take its rows. */
public final class Tables {
  private Tables() {}

  /** Output columns of a feed with their types, in output order. */
  public static Map<String, FieldType> columns(FeedSpec spec) {
    Map<String, FieldType> cols = new LinkedHashMap<>();
    for (FieldSpec f : spec.keptFields()) {
      cols.put(f.column, f.outputType());
    }
    if (spec.keyedBySource()) {
      cols.put(FeedSpec.SOURCE_ID, FieldType.STRING);
    }
    return cols;
  }

  public static void ensure(Database db, SqlDialect dialect, FeedSpec spec) {
    if (spec.normalise != null) {
      // A normalised feed has the tables (and views) of its normaliser instead of its own.
      NormalisedTables.ensure(db, spec);
      return;
    }
    String table = Names.requireSafe(spec.table, "table");
    Map<String, FieldType> cols = columns(spec);
    try (Connection c = db.connect()) {
      try (Statement s = c.createStatement()) {
        s.execute(dialect.createTable(table, cols, spec.tableKeyColumns()));
      }
      Set<String> present = new HashSet<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT column_name FROM information_schema.columns"
                  + " WHERE table_schema = current_schema() AND table_name = ?")) {
        ps.setString(1, table);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            present.add(rs.getString(1));
          }
        }
      }
      List<String> missing = new ArrayList<>();
      for (String col : cols.keySet()) {
        if (!present.contains(col)) {
          missing.add(col);
        }
      }
      if (!missing.isEmpty()) {
        throw new SluiceException("table " + table + " at " + db.displayUrl()
            + " exists but lacks columns " + missing + "; add them or name another table");
      }
    } catch (SQLException e) {
      throw new SluiceException("table " + table + ": " + db.describe(e));
    }
  }
}
