package dev.sluice.lake;

import dev.sluice.io.SluiceException;
import dev.sluice.io.jdbc.SqlDialect;
import dev.sluice.core.spec.Names;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/**
 * The SQL that differs between Postgres and Redshift. Every name that reaches these methods is a
 * safe name ({@link Names#SAFE}) or one of ours, and is quoted anyway.
 *
 * <p>Both dialects load a file the same way, inside one transaction: the rows go to a temporary
 * staging table ({@link #STAGE}), later rows with the same primary key replace earlier ones,
 * then the stage is merged into (append) or replaces (truncate) the target.
 *
 * <ul>
 *   <li>{@code postgres}: stage filled with {@code COPY FROM STDIN}; append is
 *       {@code INSERT ... ON CONFLICT DO UPDATE} skipping unchanged rows; truncate is
 *       {@code TRUNCATE} then {@code INSERT} (both transactional in Postgres).
 *   <li>{@code redshift}: stage filled with batched {@code INSERT}s (Redshift's COPY reads only
 *       from S3 and the like); append deletes unchanged rows from the stage, then
 *       {@code MERGE}s it; truncate is {@code DELETE} then {@code INSERT}, because Redshift's
 *       {@code TRUNCATE} commits the transaction it runs in. The same SQL runs on Postgres 15+.
 * </ul>
 */
public abstract class LakeDialect implements Serializable {
  /** The staging table. Temporary, so it cannot clash with a lake table. */
  static final String STAGE = "sluice_stage";
  /** The stage's line-number column; the {@code $} keeps it apart from any safe name. */
  static final String LINE = "sluice$line";
  public static final String LOG_TABLE = "sluice_load_log";
  public static final String SCHEMAS_TABLE = "sluice_lake_tables";

  /** {@code postgres} or {@code redshift}. */
  public static LakeDialect named(String name) {
    if ("postgres".equals(name)) {
      return new Postgres();
    }
    if ("redshift".equals(name)) {
      return new Redshift();
    }
    throw new SluiceException("--dialect=" + Names.printable(name)
        + ": not postgres or redshift");
  }

  public abstract String name();

  /** Redshift counts varchar lengths in bytes, Postgres in characters. */
  abstract boolean lengthInBytes();

  abstract List<String> createLogTables(String logSchema);

  /** Serialises loaders: taken first in every load transaction, held until its end. */
  abstract String lockLog(String logSchema);

  /** The stage table as the statements below name it. */
  abstract String stage();

  abstract String createStageSuffix();

  /** Empty for Postgres (the stage drops itself at commit). */
  abstract List<String> dropStage();

  abstract StageWriter stageWriter(Connection c, List<TableSchema.Column> columns)
      throws SQLException;

  /** Statements that upsert the stage into the table; the last one's count is rows changed. */
  abstract List<String> append(String db, TableSchema schema, List<TableSchema.Column> columns);

  /** Statements that replace the table's rows with the stage's; the last counts rows inserted. */
  abstract List<String> replace(String db, TableSchema schema, List<TableSchema.Column> columns);

  static String q(String name) {
    return SqlDialect.quote(name);
  }

  static String table(String schema, String table) {
    return q(schema) + "." + q(table);
  }

  String createStage(List<TableSchema.Column> columns) {
    StringJoiner cols = new StringJoiner(", ");
    for (TableSchema.Column c : columns) {
      cols.add(q(c.name) + " " + c.type.sql(lengthInBytes()));
    }
    cols.add(q(LINE) + " bigint");
    return "CREATE TEMP TABLE " + q(STAGE) + " (" + cols + ")" + createStageSuffix();
  }

  /** Keeps the last row of each primary key, as upserting the file row by row would. */
  String dedupeStage(TableSchema schema) {
    return "DELETE FROM " + stage() + " WHERE " + q(LINE) + " NOT IN (SELECT MAX(" + q(LINE)
        + ") FROM " + stage() + " GROUP BY " + names(schema.primaryKey, "") + ")";
  }

  String createSchema(String db) {
    return "CREATE SCHEMA IF NOT EXISTS " + q(db);
  }

  String createTable(String db, TableSchema schema) {
    StringJoiner cols = new StringJoiner(", ");
    for (TableSchema.Column c : schema.columns) {
      cols.add(q(c.name) + " " + c.type.sql(lengthInBytes())
          + (schema.primaryKey.contains(c.name) ? " NOT NULL" : ""));
    }
    return "CREATE TABLE " + table(db, schema.table) + " (" + cols + ", PRIMARY KEY ("
        + names(schema.primaryKey, "") + "))";
  }

  /** One statement per column: Redshift adds one column per ALTER TABLE. */
  List<String> addColumns(String db, String tableName, List<TableSchema.Column> added) {
    List<String> out = new ArrayList<>();
    for (TableSchema.Column c : added) {
      out.add("ALTER TABLE " + table(db, tableName) + " ADD COLUMN " + q(c.name) + " "
          + c.type.sql(lengthInBytes()));
    }
    return out;
  }

  static String names(List<String> names, String prefix) {
    StringJoiner j = new StringJoiner(", ");
    for (String n : names) {
      j.add(prefix + q(n));
    }
    return j.toString();
  }

  static List<String> columnNames(List<TableSchema.Column> columns) {
    List<String> out = new ArrayList<>();
    for (TableSchema.Column c : columns) {
      out.add(c.name);
    }
    return out;
  }

  static List<String> nonKey(TableSchema schema, List<TableSchema.Column> columns) {
    List<String> out = new ArrayList<>();
    for (TableSchema.Column c : columns) {
      if (!schema.primaryKey.contains(c.name)) {
        out.add(c.name);
      }
    }
    return out;
  }

  /** PostgreSQL: COPY into the stage, ON CONFLICT upserts, transactional TRUNCATE. */
  static final class Postgres extends LakeDialect {
    @Override
    public String name() {
      return "postgres";
    }

    @Override
    boolean lengthInBytes() {
      return false;
    }

    @Override
    List<String> createLogTables(String s) {
      return List.of(
          createSchema(s),
          "CREATE TABLE IF NOT EXISTS " + table(s, LOG_TABLE) + " ("
              + "object_key text NOT NULL, checksum varchar(256) NOT NULL,"
              + " db_name varchar(256), action varchar(16), table_name varchar(256),"
              + " status varchar(16) NOT NULL, reason varchar(2000),"
              + " rows_read bigint NOT NULL, rows_loaded bigint NOT NULL,"
              + " rows_rejected bigint NOT NULL, rows_changed bigint NOT NULL,"
              + " landed_at timestamptz, processed_at timestamptz NOT NULL,"
              + " attempts integer NOT NULL, dead_letters text, run_id varchar(64))",
          "CREATE UNIQUE INDEX IF NOT EXISTS " + q(LOG_TABLE + "_object") + " ON "
              + table(s, LOG_TABLE) + " (md5(object_key), checksum)",
          "CREATE INDEX IF NOT EXISTS " + q(LOG_TABLE + "_table") + " ON "
              + table(s, LOG_TABLE) + " (table_name, processed_at)",
          "CREATE TABLE IF NOT EXISTS " + table(s, SCHEMAS_TABLE) + " ("
              + "db_name varchar(128) NOT NULL, table_name varchar(128) NOT NULL,"
              + " schema_json text NOT NULL, object_key text NOT NULL,"
              + " updated_at timestamptz NOT NULL, PRIMARY KEY (db_name, table_name))");
    }

    @Override
    String lockLog(String s) {
      // Conflicts with itself, not with readers: the REST API keeps answering during a load.
      return "LOCK TABLE " + table(s, LOG_TABLE) + " IN SHARE ROW EXCLUSIVE MODE";
    }

    @Override
    String stage() {
      return "pg_temp." + q(STAGE);
    }

    @Override
    String createStageSuffix() {
      return " ON COMMIT DROP";
    }

    @Override
    List<String> dropStage() {
      return List.of();
    }

    @Override
    StageWriter stageWriter(Connection c, List<TableSchema.Column> columns) throws SQLException {
      List<String> names = columnNames(columns);
      names.add(LINE);
      return StageWriter.copy(c, "COPY " + stage() + " (" + names(names, "")
          + ") FROM STDIN WITH (FORMAT csv)");
    }

    @Override
    List<String> append(String db, TableSchema schema, List<TableSchema.Column> columns) {
      List<String> cols = columnNames(columns);
      String target = table(db, schema.table);
      String sql = "INSERT INTO " + target + " (" + names(cols, "") + ") SELECT "
          + names(cols, "") + " FROM " + stage() + " ON CONFLICT ("
          + names(schema.primaryKey, "") + ")";
      List<String> rest = nonKey(schema, columns);
      if (rest.isEmpty()) {
        return List.of(sql + " DO NOTHING");
      }
      StringJoiner set = new StringJoiner(", ");
      for (String c : rest) {
        set.add(q(c) + " = EXCLUDED." + q(c));
      }
      return List.of(sql + " DO UPDATE SET " + set + " WHERE (" + names(rest, target + ".")
          + ") IS DISTINCT FROM (" + names(rest, "EXCLUDED.") + ")");
    }

    @Override
    List<String> replace(String db, TableSchema schema, List<TableSchema.Column> columns) {
      List<String> cols = columnNames(columns);
      String target = table(db, schema.table);
      return List.of(
          "TRUNCATE " + target,
          "INSERT INTO " + target + " (" + names(cols, "") + ") SELECT " + names(cols, "")
              + " FROM " + stage());
    }
  }

  /** Redshift: batched INSERTs into the stage, MERGE upserts, DELETE for truncate. */
  static final class Redshift extends LakeDialect {
    @Override
    public String name() {
      return "redshift";
    }

    @Override
    boolean lengthInBytes() {
      return true;
    }

    @Override
    List<String> createLogTables(String s) {
      // No indexes in Redshift, and unique keys are not enforced: the log lock is what keeps
      // an object from loading twice.
      return List.of(
          createSchema(s),
          "CREATE TABLE IF NOT EXISTS " + table(s, LOG_TABLE) + " ("
              + "object_key varchar(4096) NOT NULL, checksum varchar(256) NOT NULL,"
              + " db_name varchar(256), action varchar(16), table_name varchar(256),"
              + " status varchar(16) NOT NULL, reason varchar(2000),"
              + " rows_read bigint NOT NULL, rows_loaded bigint NOT NULL,"
              + " rows_rejected bigint NOT NULL, rows_changed bigint NOT NULL,"
              + " landed_at timestamptz, processed_at timestamptz NOT NULL,"
              + " attempts integer NOT NULL, dead_letters varchar(4096), run_id varchar(64))",
          "CREATE TABLE IF NOT EXISTS " + table(s, SCHEMAS_TABLE) + " ("
              + "db_name varchar(128) NOT NULL, table_name varchar(128) NOT NULL,"
              + " schema_json varchar(65535) NOT NULL, object_key varchar(4096) NOT NULL,"
              + " updated_at timestamptz NOT NULL, PRIMARY KEY (db_name, table_name))");
    }

    @Override
    String lockLog(String s) {
      return "LOCK " + table(s, LOG_TABLE);
    }

    @Override
    String stage() {
      return q(STAGE);
    }

    @Override
    String createStageSuffix() {
      return "";
    }

    @Override
    List<String> dropStage() {
      return List.of("DROP TABLE " + stage());
    }

    @Override
    StageWriter stageWriter(Connection c, List<TableSchema.Column> columns) throws SQLException {
      StringJoiner params = new StringJoiner(", ");
      for (TableSchema.Column col : columns) {
        params.add("CAST(? AS " + col.type.sql(true) + ")");
      }
      params.add("?");
      List<String> names = columnNames(columns);
      names.add(LINE);
      return StageWriter.inserts(c, "INSERT INTO " + stage() + " (" + names(names, "")
          + ") VALUES (" + params + ")", columns.size());
    }

    @Override
    List<String> append(String db, TableSchema schema, List<TableSchema.Column> columns) {
      String target = table(db, schema.table);
      String s = stage();
      StringJoiner on = new StringJoiner(" AND ");
      for (String k : schema.primaryKey) {
        on.add(target + "." + q(k) + " = " + s + "." + q(k));
      }
      List<String> rest = nonKey(schema, columns);
      StringJoiner same = new StringJoiner(" AND ");
      same.add(on.toString());
      for (String c : rest) {
        String a = s + "." + q(c);
        String b = target + "." + q(c);
        same.add("(" + a + " = " + b + " OR (" + a + " IS NULL AND " + b + " IS NULL))");
      }
      List<String> cols = columnNames(columns);
      StringJoiner set = new StringJoiner(", ");
      for (String c : rest.isEmpty() ? schema.primaryKey : rest) {
        set.add(q(c) + " = " + s + "." + q(c));
      }
      return List.of(
          "DELETE FROM " + s + " USING " + target + " WHERE " + same,
          "MERGE INTO " + target + " USING " + s + " ON " + on
              + " WHEN MATCHED THEN UPDATE SET " + set
              + " WHEN NOT MATCHED THEN INSERT (" + names(cols, "") + ") VALUES ("
              + names(cols, s + ".") + ")");
    }

    @Override
    List<String> replace(String db, TableSchema schema, List<TableSchema.Column> columns) {
      List<String> cols = columnNames(columns);
      String target = table(db, schema.table);
      return List.of(
          "DELETE FROM " + target,
          "INSERT INTO " + target + " (" + names(cols, "") + ") SELECT " + names(cols, "")
              + " FROM " + stage());
    }
  }
}
