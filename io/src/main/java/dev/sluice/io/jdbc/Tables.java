package dev.sluice.io.jdbc;

import dev.sluice.io.SluiceException;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldSpec;
import dev.sluice.core.spec.FieldType;
import dev.sluice.core.spec.Names;
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

/**
 * Creates a feed's table when absent, and checks an existing one can take its rows before any
 * row is written: every column there, of a type that holds the field's values, a primary key
 * or unique constraint on exactly the table key (without one, a re-run would insert every row
 * again), and no other NOT NULL column without a default. A table the owner already has is
 * loaded as it is: fields map to its columns by {@code column}, and {@code table.mode: append}
 * loads a table without a key.
 */
public final class Tables {
  private Tables() {}

  /**
   * Postgres types ({@code information_schema.columns.data_type}) that take a field's values
   * as {@code COPY} sends them, without loss.
   */
  private static final Map<FieldType, Set<String>> ACCEPTED = Map.of(
      FieldType.STRING, Set.of("text", "character varying", "character"),
      FieldType.INT, Set.of("integer", "bigint", "numeric"),
      FieldType.LONG, Set.of("bigint", "numeric"),
      FieldType.DOUBLE, Set.of("double precision"),
      FieldType.DECIMAL, Set.of("numeric"),
      FieldType.BOOLEAN, Set.of("boolean"),
      FieldType.DATE, Set.of("date"),
      FieldType.TIMESTAMP,
          Set.of("timestamp with time zone", "timestamp without time zone"),
      FieldType.JSON, Set.of("jsonb", "json"));

  /** Output columns of a feed's table with their types, in output order. */
  public static Map<String, FieldType> columns(FeedSpec spec) {
    Map<String, FieldType> cols = new LinkedHashMap<>();
    for (FieldSpec f : spec.keptFields()) {
      cols.put(f.column, f.outputType());
    }
    // Append mode loads a table the owner made without Sluice's source id; the id is the last
    // column of a row, so leaving it out here leaves it out of every statement.
    if (spec.keyedBySource() && !spec.tableAppend) {
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
    String where = "table " + table + " at " + db.displayUrl();
    try (Connection c = db.connect()) {
      try (Statement s = c.createStatement()) {
        s.execute(dialect.createTable(table, cols, spec.tableKeyColumns()));
      }
      checkColumns(c, where, table, cols);
      if (!spec.tableKeyColumns().isEmpty()) {
        checkKey(c, where, table, spec.tableKeyColumns());
      }
    } catch (SQLException e) {
      throw new SluiceException("table " + table + ": " + db.describe(e));
    }
  }

  /**
   * The feed's output columns whose table column holds a bounded text ({@code varchar(n)},
   * {@code char(n)}), with that bound in characters; for {@link FeedSpec#withColumnLimits}, so
   * a value too long is one dead letter, not a failed batch. Empty for normalised feeds (their
   * tables are Sluice's own, all {@code text}).
   */
  public static Map<String, Integer> textLimits(Database db, FeedSpec spec) {
    Map<String, Integer> limits = new LinkedHashMap<>();
    if (spec.normalise != null) {
      return limits;
    }
    Map<String, FieldType> cols = columns(spec);
    try (Connection c = db.connect();
        PreparedStatement ps = c.prepareStatement(
            "SELECT column_name, character_maximum_length FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ?"
                + " AND character_maximum_length IS NOT NULL")) {
      ps.setString(1, Names.requireSafe(spec.table, "table"));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (cols.get(rs.getString(1)) == FieldType.STRING) {
            limits.put(rs.getString(1), rs.getInt(2));
          }
        }
      }
    } catch (SQLException e) {
      throw new SluiceException("table " + spec.table + ": " + db.describe(e));
    }
    return limits;
  }

  private static void checkColumns(Connection c, String where, String table,
      Map<String, FieldType> cols) throws SQLException {
    Map<String, String> present = new LinkedHashMap<>();
    List<String> required = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT column_name, data_type, is_nullable = 'NO' AND column_default IS NULL"
                + " AND is_identity = 'NO' AND is_generated = 'NEVER'"
                + " FROM information_schema.columns"
                + " WHERE table_schema = current_schema() AND table_name = ?"
                + " ORDER BY ordinal_position")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          present.put(rs.getString(1), rs.getString(2));
          if (rs.getBoolean(3) && !cols.containsKey(rs.getString(1))) {
            required.add(rs.getString(1));
          }
        }
      }
    }
    List<String> missing = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    cols.forEach((col, type) -> {
      String has = present.get(col);
      if (has == null) {
        missing.add(col);
      } else if (!ACCEPTED.get(type).contains(has)) {
        wrong.add(col + " is " + has + ", the spec gives " + type.name().toLowerCase()
            + " (" + type.sqlType() + ")");
      }
    });
    List<String> problems = new ArrayList<>();
    if (!missing.isEmpty()) {
      String hint = missing.contains(FeedSpec.SOURCE_ID)
          ? " (" + FeedSpec.SOURCE_ID + " keys a feed without dedup.key; a table without it"
              + " loads with table.mode append, not idempotent)"
          : "";
      problems.add("lacks columns " + missing + hint);
    }
    if (!wrong.isEmpty()) {
      problems.add("has columns of other types: " + String.join("; ", wrong));
    }
    if (!required.isEmpty()) {
      problems.add("has NOT NULL columns without a default that the spec does not fill "
          + required);
    }
    if (!problems.isEmpty()) {
      throw new SluiceException(where + " exists but " + String.join(", and ", problems)
          + "; change the spec's fields (column, type) or the table, or name another table");
    }
  }

  /** A primary key or unique constraint (or unique index) on exactly the key's columns. */
  private static void checkKey(Connection c, String where, String table, List<String> key)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT array_agg(a.attname::text) FROM pg_index i"
                + " JOIN pg_class t ON t.oid = i.indrelid"
                + " JOIN pg_namespace n ON n.oid = t.relnamespace"
                + " JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = ANY(i.indkey)"
                + " WHERE n.nspname = current_schema() AND t.relname = ?"
                + " AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL"
                + " GROUP BY i.indexrelid")) {
      ps.setString(1, table);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          Set<String> cols = new HashSet<>(List.of((String[]) rs.getArray(1).getArray()));
          if (cols.equals(new HashSet<>(key))) {
            return;
          }
        }
      }
    }
    throw new SluiceException(where + " has no primary key or unique constraint on " + key
        + ", so a re-run would insert every row again; add one (ALTER TABLE " + table
        + " ADD PRIMARY KEY (" + String.join(", ", key) + ")), or load it with"
        + " table.mode append (not idempotent)");
  }
}
