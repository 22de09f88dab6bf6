package dev.sluice.lake;

import dev.sluice.core.spec.Names;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;

/**
 * The load log ({@code sluice_load_log}) and the schema records ({@code sluice_lake_tables}) in
 * one database schema. One log row per object version (location and checksum): written in the
 * same transaction as the load it describes, so a load and its row commit together or not at
 * all, and an object whose row says {@code loaded} or {@code rejected} is never loaded again.
 * A {@code failed} row is replaced when the object is tried again.
 */
public final class LoadLog {
  private static final String COLUMNS =
      "object_key, checksum, db_name, action, table_name, status, reason, rows_read,"
          + " rows_loaded, rows_rejected, rows_changed, landed_at, processed_at, attempts,"
          + " dead_letters, run_id";

  private final String schema;
  private final LakeDialect dialect;

  public LoadLog(String schema, LakeDialect dialect) {
    this.schema = Names.requireSafe(schema, "--logSchema");
    this.dialect = dialect;
  }

  public String schema() {
    return schema;
  }

  private String log() {
    return LakeDialect.table(schema, LakeDialect.LOG_TABLE);
  }

  private String schemas() {
    return LakeDialect.table(schema, LakeDialect.SCHEMAS_TABLE);
  }

  /** Creates the log tables when absent. */
  public void ensure(Connection c) throws SQLException {
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      for (String sql : dialect.createLogTables(schema)) {
        s.execute(sql);
      }
    } finally {
      c.setAutoCommit(auto);
    }
  }

  /** True when the log table exists (for readers, which never create it). */
  public boolean exists(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?")) {
      ps.setString(1, schema);
      ps.setString(2, LakeDialect.LOG_TABLE);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Takes the loaders' lock; the caller is inside a transaction. */
  void lock(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute(dialect.lockLog(schema));
    }
  }

  /** Status and attempts of an object version's row, or null. */
  String[] find(Connection c, String objectKey, String checksum) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT status, attempts FROM " + log()
        + " WHERE object_key = ? AND checksum = ?")) {
      ps.setString(1, objectKey);
      ps.setString(2, checksum);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new String[] {rs.getString(1), Integer.toString(rs.getInt(2))} : null;
      }
    }
  }

  /** Statuses of every logged version under a prefix, keyed by {@code location \n checksum}. */
  Map<String, String> statusesUnder(Connection c, String prefix) throws SQLException {
    Map<String, String> out = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT object_key, checksum, status FROM "
        + log() + " WHERE LEFT(object_key, ?) = ?")) {
      ps.setInt(1, prefix.length());
      ps.setString(2, prefix);
      ps.setFetchSize(10000);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.put(rs.getString(1) + "\n" + rs.getString(2), rs.getString(3));
        }
      }
    }
    return out;
  }

  /** Writes an object version's row, replacing an earlier (failed) one. */
  void write(Connection c, LoadRecord r) throws SQLException {
    try (PreparedStatement del = c.prepareStatement(
        "DELETE FROM " + log() + " WHERE object_key = ? AND checksum = ?")) {
      del.setString(1, r.objectKey);
      del.setString(2, r.checksum);
      del.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + log() + " (" + COLUMNS
        + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      int i = 1;
      ps.setString(i++, r.objectKey);
      ps.setString(i++, r.checksum);
      ps.setString(i++, r.db);
      ps.setString(i++, r.action);
      ps.setString(i++, r.table);
      ps.setString(i++, r.status);
      ps.setString(i++, r.reason);
      ps.setLong(i++, r.rowsRead);
      ps.setLong(i++, r.rowsLoaded);
      ps.setLong(i++, r.rowsRejected);
      ps.setLong(i++, r.rowsChanged);
      setInstant(ps, i++, r.landedAt);
      setInstant(ps, i++, r.processedAt);
      ps.setInt(i++, r.attempts);
      ps.setString(i++, r.deadLetters);
      ps.setString(i, r.runId);
      ps.executeUpdate();
    }
  }

  /** Rows answering a query, newest first. */
  public List<LoadRecord> query(Connection c, LoadsQuery q) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM " + log() + " WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (q.table != null) {
      sql.append(" AND table_name = ?");
      args.add(q.table);
    }
    if (q.db != null) {
      sql.append(" AND db_name = ?");
      args.add(q.db);
    }
    if (q.since != null) {
      sql.append(" AND processed_at >= ?");
      args.add(q.since);
    }
    if (q.landedSince != null) {
      sql.append(" AND landed_at >= ?");
      args.add(q.landedSince);
    }
    sql.append(" ORDER BY processed_at DESC, object_key DESC LIMIT ").append(q.limit);
    return select(c, sql.toString(), args);
  }

  /** Rows a run wrote, in the order it processed them. */
  public List<LoadRecord> byRun(Connection c, String runId) throws SQLException {
    return select(c, "SELECT " + COLUMNS + " FROM " + log()
        + " WHERE run_id = ? ORDER BY processed_at, object_key", List.of(runId));
  }

  private static List<LoadRecord> select(Connection c, String sql, List<Object> args)
      throws SQLException {
    List<LoadRecord> out = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.size(); i++) {
        Object a = args.get(i);
        if (a instanceof Instant) {
          setInstant(ps, i + 1, (Instant) a);
        } else {
          ps.setString(i + 1, (String) a);
        }
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          LoadRecord r = new LoadRecord();
          r.objectKey = rs.getString("object_key");
          r.checksum = rs.getString("checksum");
          r.db = rs.getString("db_name");
          r.action = rs.getString("action");
          r.table = rs.getString("table_name");
          r.status = rs.getString("status");
          r.reason = rs.getString("reason");
          r.rowsRead = rs.getLong("rows_read");
          r.rowsLoaded = rs.getLong("rows_loaded");
          r.rowsRejected = rs.getLong("rows_rejected");
          r.rowsChanged = rs.getLong("rows_changed");
          r.landedAt = getInstant(rs, "landed_at");
          r.processedAt = getInstant(rs, "processed_at");
          r.attempts = rs.getInt("attempts");
          r.deadLetters = rs.getString("dead_letters");
          r.runId = rs.getString("run_id");
          out.add(r);
        }
      }
    }
    return out;
  }

  /** The recorded schema of a lake table, or null. */
  TableSchema findSchema(Connection c, String db, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT schema_json FROM " + schemas()
        + " WHERE db_name = ? AND table_name = ?")) {
      ps.setString(1, db);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return null;
        }
        try {
          return TableSchema.parse(rs.getString(1), table);
        } catch (Refused e) {
          throw new SQLException("the recorded schema of " + db + "." + table
              + " cannot be read: " + e.getMessage());
        }
      }
    }
  }

  void saveSchema(Connection c, String db, TableSchema s, String objectKey) throws SQLException {
    try (PreparedStatement del = c.prepareStatement(
        "DELETE FROM " + schemas() + " WHERE db_name = ? AND table_name = ?")) {
      del.setString(1, db);
      del.setString(2, s.table);
      del.executeUpdate();
    }
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + schemas()
        + " (db_name, table_name, schema_json, object_key, updated_at) VALUES (?, ?, ?, ?, ?)")) {
      ps.setString(1, db);
      ps.setString(2, s.table);
      ps.setString(3, s.toJson());
      ps.setString(4, objectKey);
      setInstant(ps, 5, Instant.now());
      ps.executeUpdate();
    }
  }

  private static final ThreadLocal<Calendar> UTC =
      ThreadLocal.withInitial(() -> Calendar.getInstance(TimeZone.getTimeZone("UTC")));

  static void setInstant(PreparedStatement ps, int i, Instant t) throws SQLException {
    if (t == null) {
      ps.setNull(i, Types.TIMESTAMP_WITH_TIMEZONE);
    } else {
      ps.setTimestamp(i, Timestamp.from(t), UTC.get());
    }
  }

  private static Instant getInstant(ResultSet rs, String col) throws SQLException {
    Timestamp t = rs.getTimestamp(col, UTC.get());
    return t == null ? null : t.toInstant();
  }
}
