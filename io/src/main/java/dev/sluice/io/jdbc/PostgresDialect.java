package dev.sluice.io.jdbc;

import dev.sluice.core.spec.FieldType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * PostgreSQL: {@code INSERT ... ON CONFLICT (key) DO UPDATE}, skipping rows whose values are
 * unchanged so a replay neither rewrites nor bloats the table.
 */
public final class PostgresDialect implements SqlDialect {
  @Override
  public String name() {
    return "postgres";
  }

  @Override
  public String createTable(String table, Map<String, FieldType> columns, List<String> key) {
    StringJoiner cols = new StringJoiner(", ");
    columns.forEach((c, t) -> cols.add(SqlDialect.quote(c) + " " + t.sqlType()));
    StringJoiner k = new StringJoiner(", ");
    key.forEach(c -> k.add(SqlDialect.quote(c)));
    // Append mode has no key: the table gets none.
    return "CREATE TABLE IF NOT EXISTS " + SqlDialect.quote(table) + " (" + cols
        + (key.isEmpty() ? "" : ", PRIMARY KEY (" + k + ")") + ")";
  }

  @Override
  public String upsert(String table, Map<String, FieldType> columns, List<String> key) {
    StringJoiner names = new StringJoiner(", ");
    StringJoiner params = new StringJoiner(", ");
    columns.forEach(
        (c, t) -> {
          names.add(SqlDialect.quote(c));
          params.add(t == FieldType.JSON ? "CAST(? AS jsonb)" : "?");
        });
    return "INSERT INTO " + SqlDialect.quote(table) + " (" + names + ") VALUES (" + params
        + ")" + onConflict(table, columns, key);
  }

  /**
   * The same upsert with its rows taken from a staging table of the same columns (filled by
   * {@code COPY}): {@code INSERT ... SELECT ... FROM stage ON CONFLICT ...}.
   */
  public String upsertFromStage(String table, String stage, Map<String, FieldType> columns,
      List<String> key) {
    StringJoiner names = new StringJoiner(", ");
    columns.forEach((c, t) -> names.add(SqlDialect.quote(c)));
    return "INSERT INTO " + SqlDialect.quote(table) + " (" + names + ") SELECT " + names
        + " FROM " + SqlDialect.quote(stage) + onConflict(table, columns, key);
  }

  private static String onConflict(String table, Map<String, FieldType> columns,
      List<String> key) {
    List<String> rest = new ArrayList<>();
    columns.forEach(
        (c, t) -> {
          if (!key.contains(c)) {
            rest.add(c);
          }
        });
    StringJoiner k = new StringJoiner(", ");
    key.forEach(c -> k.add(SqlDialect.quote(c)));
    String sql = " ON CONFLICT (" + k + ")";
    if (rest.isEmpty()) {
      return sql + " DO NOTHING";
    }
    StringJoiner set = new StringJoiner(", ");
    StringJoiner mine = new StringJoiner(", ");
    StringJoiner theirs = new StringJoiner(", ");
    for (String c : rest) {
      set.add(SqlDialect.quote(c) + " = EXCLUDED." + SqlDialect.quote(c));
      mine.add(SqlDialect.quote(table) + "." + SqlDialect.quote(c));
      theirs.add("EXCLUDED." + SqlDialect.quote(c));
    }
    return sql + " DO UPDATE SET " + set + " WHERE (" + mine + ") IS DISTINCT FROM (" + theirs
        + ")";
  }
}
