package dev.sluice.lake;

import dev.sluice.io.SluiceException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Loads one object version in one transaction, together with its log row.
 *
 * <ol>
 *   <li>take the loaders' lock and check the log: a version already loaded or rejected is
 *       skipped (another loader got there first);
 *   <li>{@code schema}: create the table, or add the new columns, and record the schema;
 *   <li>{@code append}/{@code truncate}: read the CSV into a temporary stage (bad rows to dead
 *       letters), keep the last row per key, then merge or replace;
 *   <li>write the log row and commit.
 * </ol>
 *
 * <p>A problem with the object itself ({@link Refused}, or a value the database will not take)
 * rolls everything back and logs {@code rejected}. Any other failure rolls back and logs
 * {@code failed}; the object is tried again on the next pass. A lost connection is thrown.
 */
final class ObjectLoader {
  private static final Logger LOG = LoggerFactory.getLogger(ObjectLoader.class);

  private final LakeConfig config;
  private final LoadLog log;

  ObjectLoader(LakeConfig config) {
    this.config = config;
    this.log = config.log();
  }

  /** Thrown when the object changed while it was read: nothing is logged, it comes round again. */
  static final class Changed extends Exception {
    Changed() {
      super(null, null, false, false);
    }
  }

  /**
   * Processes one object version. Returns its log row, or null when there was nothing to do
   * (another loader logged it first, or the object changed under us).
   *
   * @throws SQLException only when the connection to the database is lost
   */
  LoadRecord load(Connection c, LakeStore store, LakeObject o, String checksum)
      throws SQLException {
    LakeKey key = LakeKey.parse(o.key());
    LoadRecord r = LoadRecord.start(o, checksum, key, config.runId);
    if (!key.valid()) {
      return logAlone(c, r.ended(LoadRecord.REJECTED, "key refused: " + key.refusal()));
    }
    c.setAutoCommit(false);
    try {
      log.lock(c);
      String[] existing = log.find(c, o.location(), checksum);
      if (existing != null && !LoadRecord.FAILED.equals(existing[0])) {
        c.rollback();
        return null;
      }
      r.attempts = existing == null ? 1 : Integer.parseInt(existing[1]) + 1;
      if (key.db().equals(config.logSchema)
          && (key.table().equals(LakeDialect.LOG_TABLE)
              || key.table().equals(LakeDialect.SCHEMAS_TABLE))) {
        throw new Refused("table " + key.qualifiedTable() + " is the loader's own");
      }
      TableSchema current = log.findSchema(c, key.db(), key.table());
      if (key.action() == LakeAction.SCHEMA) {
        applySchema(c, store, o, checksum, key, current, r);
      } else {
        loadRows(c, store, o, checksum, key, current, r);
      }
      log.write(c, r);
      c.commit();
      return r;
    } catch (Refused e) {
      rollback(c);
      return logAlone(c, r.ended(LoadRecord.REJECTED, e.getMessage()));
    } catch (Changed e) {
      rollback(c);
      LOG.info("{} changed while it was read; it will be loaded as its new version",
          Shown.safe(o.location()));
      return null;
    } catch (SQLException e) {
      rollback(c);
      if (LakeDatabase.connectionLost(e)) {
        throw e;
      }
      String state = e.getSQLState() == null ? "" : e.getSQLState();
      if (state.startsWith("22") || state.startsWith("23")) {
        return logAlone(c, r.ended(LoadRecord.REJECTED,
            "rows do not fit the table: " + withoutValues(e)));
      }
      return logAlone(c, r.ended(LoadRecord.FAILED, "database error " + state + ": "
          + LakeDatabase.firstLine(e.getMessage())));
    } catch (IOException | RuntimeException e) {
      rollback(c);
      return logAlone(c, r.ended(LoadRecord.FAILED, "cannot read or write: "
          + dev.sluice.io.SluiceException.rootCause(e)));
    }
  }

  private void applySchema(Connection c, LakeStore store, LakeObject o, String checksum,
      LakeKey key, TableSchema current, LoadRecord r)
      throws Refused, Changed, IOException, SQLException {
    if (current != null && !current.allowedOperations.contains(LakeAction.SCHEMA)) {
      throw notAllowed(key, current);
    }
    String json = readSchemaObject(store, o, checksum);
    TableSchema next = TableSchema.parse(json, key.table());
    LakeDialect d = config.dialect;
    boolean exists = tableExists(c, key.db(), key.table());
    try (Statement s = c.createStatement()) {
      if (current == null || !exists) {
        if (exists) {
          throw new Refused("table " + key.qualifiedTable() + " exists but was not made by the"
              + " lake loader; drop it or pick another name");
        }
        s.execute(d.createSchema(key.db()));
        s.execute(d.createTable(key.db(), next));
        r.reason = current == null ? "created table with " + next.columns.size() + " columns"
            : "table was missing; created it again with " + next.columns.size() + " columns";
      } else {
        List<TableSchema.Column> added = current.addedColumns(next);
        for (String sql : d.addColumns(key.db(), key.table(), added)) {
          s.execute(sql);
        }
        r.reason = added.isEmpty() ? "no new columns"
            : "added columns " + LakeDialect.columnNames(added);
      }
    }
    log.saveSchema(c, key.db(), next, o.location());
    r.status = LoadRecord.LOADED;
    r.processedAt = java.time.Instant.now();
  }

  /** Schema objects are small JSON: read whole, at most 1 MiB. */
  private static String readSchemaObject(LakeStore store, LakeObject o, String checksum)
      throws Refused, Changed, IOException {
    if (o.size() > (1 << 20)) {
      throw new Refused("schema object is larger than 1 MiB");
    }
    try (LakeStore.VersionedStream in = store.open(o, checksum)) {
      if (in == null) {
        throw new Changed();
      }
      byte[] bytes = in.readNBytes((1 << 20) + 1);
      if (!in.stillSame()) {
        throw new Changed();
      }
      try {
        return StandardCharsets.UTF_8.newDecoder()
            .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
      } catch (java.nio.charset.CharacterCodingException e) {
        throw new Refused("schema object is not valid UTF-8");
      }
    }
  }

  private void loadRows(Connection c, LakeStore store, LakeObject o, String checksum,
      LakeKey key, TableSchema schema, LoadRecord r)
      throws Refused, Changed, IOException, SQLException {
    if (schema == null) {
      throw new Refused("table " + key.qualifiedTable() + " has no schema yet; send a schema"
          + " object (" + key.db() + "/schema/" + key.table() + "/...) first");
    }
    if (!schema.allowedOperations.contains(key.action())) {
      throw notAllowed(key, schema);
    }
    LakeDialect d = config.dialect;
    DeadLetterFile dead = new DeadLetterFile(deadLetterLocation(key, o, checksum));
    long good = 0;
    String firstProblem = null;
    try (LakeStore.VersionedStream in = store.open(o, checksum)) {
      if (in == null) {
        throw new Changed();
      }
      InputStream tagged = CsvFile.tagged(in);
      try (CsvFile csv = new CsvFile(tagged, schema, d.lengthInBytes(), config.maxRecordChars)) {
        List<TableSchema.Column> columns = csv.columns();
        try (Statement s = c.createStatement()) {
          s.execute(d.createStage(columns));
        }
        try (StageWriter stage = d.stageWriter(c, columns)) {
          for (CsvFile.Row row; (row = csv.next()) != null; ) {
            r.rowsRead++;
            if (row.problem != null) {
              r.rowsRejected++;
              if (firstProblem == null) {
                firstProblem = "line " + row.line + ": " + row.problem;
              }
              dead.write(o.location(), row, csv.headerNames());
              continue;
            }
            stage.add(row.values, row.line);
            good++;
          }
          stage.finish();
        }
        if (!in.stillSame()) {
          throw new Changed();
        }
        dead.close();
        if (dead.count() > 0) {
          r.deadLetters = dead.location();
        }
        if (r.rowsRejected > 0 && config.failFileOnBadRows) {
          throw new Refused(r.rowsRejected + " of " + r.rowsRead + " rows do not fit and"
              + " --failFileOnBadRows is set; first: " + firstProblem);
        }
        if (r.rowsRead > 0 && good == 0) {
          throw new Refused("none of the " + r.rowsRead + " rows fit; first: " + firstProblem);
        }
        long changed = 0;
        try (Statement s = c.createStatement()) {
          s.executeUpdate(d.dedupeStage(schema));
          List<String> statements = key.action() == LakeAction.TRUNCATE
              ? d.replace(key.db(), schema, columns) : d.append(key.db(), schema, columns);
          for (String sql : statements) {
            changed = s.executeUpdate(sql);
          }
          for (String sql : d.dropStage()) {
            s.execute(sql);
          }
        }
        r.rowsLoaded = good;
        r.rowsChanged = changed;
        r.status = LoadRecord.LOADED;
        r.reason = r.rowsRejected > 0 ? r.rowsRejected + " rows to dead letters; first: "
            + firstProblem : null;
        r.processedAt = java.time.Instant.now();
      }
    } finally {
      dead.close();
    }
  }

  private static Refused notAllowed(LakeKey key, TableSchema schema) {
    StringBuilder allowed = new StringBuilder();
    for (LakeAction a : schema.allowedOperations) {
      allowed.append(allowed.length() == 0 ? "" : ", ").append(a.word());
    }
    return new Refused("action " + key.action().word() + " is not allowed for table "
        + key.qualifiedTable() + " (allowed: " + allowed + ")");
  }

  /**
   * {@code <deadLetters>/<db>/<table>/<action>-<hash>.jsonl}: built from checked names and a
   * hash of the object's location and checksum, never from the raw key, and the same for the
   * same object version so a retry replaces rather than adds.
   */
  String deadLetterLocation(LakeKey key, LakeObject o, String checksum) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    md.update((o.location() + "\n" + checksum).getBytes(StandardCharsets.UTF_8));
    String hash = HexFormat.of().formatHex(md.digest()).substring(0, 16);
    return config.deadLetters + key.db() + "/" + key.table() + "/" + key.action().word() + "-"
        + hash + ".jsonl";
  }

  private static boolean tableExists(Connection c, String db, String table) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM information_schema.tables"
        + " WHERE table_schema = ? AND table_name = ?")) {
      ps.setString(1, db);
      ps.setString(2, table);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Logs a row in a transaction of its own (after a rollback), unless another loader did. */
  private LoadRecord logAlone(Connection c, LoadRecord r) throws SQLException {
    c.setAutoCommit(false);
    try {
      log.lock(c);
      String[] existing = log.find(c, r.objectKey, r.checksum);
      if (existing != null && !LoadRecord.FAILED.equals(existing[0])) {
        c.rollback();
        return null;
      }
      r.attempts = existing == null ? 1 : Integer.parseInt(existing[1]) + 1;
      log.write(c, r);
      c.commit();
      return r;
    } catch (SQLException e) {
      rollback(c);
      throw e;
    }
  }

  private static void rollback(Connection c) {
    try {
      c.rollback();
    } catch (SQLException e) {
      // The connection is gone; the server rolls back on its own.
    }
  }

  /** A data error's message without the values Postgres quotes in it. */
  static String withoutValues(SQLException e) {
    String m = LakeDatabase.firstLine(e.getMessage());
    return m.replaceAll("\"[^\"]*\"", "\"...\"").replaceAll("'[^']*'", "'...'");
  }
}
