package dev.sluice.io.jdbc;

import dev.sluice.io.metrics.SinkCounters;
import dev.sluice.core.spec.FieldType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.values.Row;
import org.postgresql.PGConnection;

/**
 * Upserts rows into a Postgres table through {@code COPY}, one transaction per batch. A batch
 * is first copied straight into the table: when none of its keys is there yet (a first load),
 * that is the upsert, at the speed of COPY. When one is (a re-run, a retried bundle), that COPY
 * fails as a whole and is rolled back, and the batch is copied into a temporary staging table
 * instead and moved into the target with the same {@code INSERT ... ON CONFLICT ... DO UPDATE
 * ... WHERE ... IS DISTINCT FROM} as the row-by-row upsert. Either way the table ends as the
 * upsert leaves it, so a retried bundle or a re-run changes nothing, exactly as before.
 *
 * <p>A batch that fails because the database is away (connection lost or refused, server
 * restarting) is written again after a back-off ({@link DatabaseRetry}); the upsert makes that
 * safe. Without a key ({@code table.mode: append}) each batch is one plain {@code COPY}, and a
 * batch whose commit was lost with its connection may be written twice.
 *
 * <p>The staging table is {@code TEMP ... ON COMMIT DELETE ROWS}, one per connection and target
 * table, made by the first batch; each commit empties it.
 */
final class CopyUpsertFn extends DoFn<Row, Void> {
  private static final String UNIQUE_VIOLATION = "23505";

  private final Database db;
  private final String table;
  private final List<FieldType> types;
  private final String stage;
  private final String createStage;
  private final String copy;
  private final String copyDirect;
  private final String upsert;
  private final int batchSize;
  private final DatabaseRetry retry = DatabaseRetry.standard();
  /** Append mode: no key, every batch one plain COPY into the table. */
  private final boolean append;
  private transient long appended;

  private transient Connection connection;
  /** Whether this connection's staging table exists (made in a committed transaction). */
  private transient boolean staged;
  /** Column positions of the table key in a row. */
  private final int[] keyIndexes;

  /**
   * The batch, one row per table key, the last one given: what row-by-row upserts would leave.
   * One {@code INSERT ... ON CONFLICT DO UPDATE} may not touch a row twice, and a table key that
   * is not the dedup key can repeat within a batch.
   */
  private transient Map<List<Object>, Row> batch;
  /** Whether a batch of this bundle met rows already in the table. */
  private transient boolean conflicts;

  CopyUpsertFn(Database db, PostgresDialect dialect, String table, Map<String, FieldType> columns,
      List<String> key, int batchSize) {
    this.db = db;
    this.table = table;
    this.types = new ArrayList<>(columns.values());
    this.stage = stageName(table);
    this.createStage = "CREATE TEMP TABLE IF NOT EXISTS " + SqlDialect.quote(stage) + " (LIKE "
        + SqlDialect.quote(table) + " INCLUDING DEFAULTS) ON COMMIT DELETE ROWS";
    StringBuilder names = new StringBuilder();
    for (String c : columns.keySet()) {
      names.append(names.length() == 0 ? "" : ", ").append(SqlDialect.quote(c));
    }
    this.copy = "COPY " + SqlDialect.quote(stage) + " (" + names + ") FROM STDIN";
    this.copyDirect = "COPY " + SqlDialect.quote(table) + " (" + names + ") FROM STDIN";
    this.upsert = dialect.upsertFromStage(table, stage, columns, key);
    this.batchSize = batchSize;
    List<String> columnNames = new ArrayList<>(columns.keySet());
    this.keyIndexes = key.stream().mapToInt(columnNames::indexOf).toArray();
    this.append = key.isEmpty();
    for (int i : keyIndexes) {
      if (i < 0) {
        throw new IllegalArgumentException("table key " + key + " is not among the columns");
      }
    }
  }

  /** A staging name per target table (tables are at most 63 characters, like the result). */
  static String stageName(String table) {
    String name = "sluice_stage_" + table;
    return name.length() <= 63 ? name
        : "sluice_stage_" + Integer.toHexString(table.hashCode()) + "_"
            + table.substring(0, 63 - 22);
  }

  @StartBundle
  public void start() {
    batch = new LinkedHashMap<>();
    conflicts = false;
  }

  @ProcessElement
  public void process(@Element Row row) throws SQLException, IOException {
    List<Object> key = new ArrayList<>(keyIndexes.length);
    for (int i : keyIndexes) {
      key.add(row.getValue(i));
    }
    if (append) {
      key.add(appended++);
    }
    batch.put(key, row);
    if (batch.size() >= batchSize) {
      flush();
    }
  }

  @FinishBundle
  public void finish() throws SQLException, IOException {
    flush();
  }

  @Teardown
  public void teardown() {
    closeQuietly();
  }

  private void flush() throws SQLException, IOException {
    if (batch.isEmpty()) {
      return;
    }
    byte[] data = copyText(batch.values());
    for (int attempt = 1; ; attempt++) {
      try {
        write(data);
        // Only after the commit: a batch retried after a lost connection counts once.
        SinkCounters.rowsStored(table).inc(batch.size());
        break;
      } catch (SQLException e) {
        closeQuietly();
        try {
          retry.waitOrThrow(e, attempt, db, "writing to table " + table);
        } catch (SQLException last) {
          // Not chained: the driver's message may quote a row's value; describe() does not.
          throw new SQLException("writing to table " + table + " failed: " + db.describe(last),
              last.getSQLState());
        }
      }
    }
    batch.clear();
  }

  private void write(byte[] data) throws SQLException, IOException {
    if (connection == null || connection.isClosed()) {
      connection = db.open();
      connection.setAutoCommit(false);
      staged = false;
    }
    if (append) {
      connection.unwrap(PGConnection.class).getCopyAPI()
          .copyIn(copyDirect, new ByteArrayInputStream(data));
      connection.commit();
      return;
    }
    if (!conflicts) {
      // Fast path: none of the batch's keys is in the table yet (a first load), so the upsert
      // is a plain insert, and COPY straight into the table is that insert. One row already
      // there fails the whole COPY (unique_violation), which is rolled back: then the batch
      // goes the staged way, and so do the rest of this bundle's batches.
      try {
        connection.unwrap(PGConnection.class).getCopyAPI()
            .copyIn(copyDirect, new ByteArrayInputStream(data));
        connection.commit();
        return;
      } catch (SQLException e) {
        connection.rollback();
        if (!UNIQUE_VIOLATION.equals(e.getSQLState())) {
          throw e;
        }
        conflicts = true;
      }
    }
    try {
      if (!staged) {
        try (Statement s = connection.createStatement()) {
          s.execute(createStage);
        }
      }
      connection.unwrap(PGConnection.class).getCopyAPI()
          .copyIn(copy, new ByteArrayInputStream(data));
      try (Statement s = connection.createStatement()) {
        s.executeUpdate(upsert);
      }
      connection.commit();
      staged = true;
    } catch (SQLException | IOException | RuntimeException e) {
      try {
        connection.rollback();
      } catch (SQLException ignored) {
        // The connection is closed by the caller.
      }
      throw e;
    }
  }

  private void closeQuietly() {
    if (connection != null) {
      try {
        connection.close();
      } catch (SQLException ignored) {
        // Closing.
      }
      connection = null;
    }
  }

  /** The rows in COPY's text format: tab-separated, {@code \N} for null, backslash escapes. */
  byte[] copyText(Collection<Row> rows) {
    StringBuilder b = new StringBuilder(rows.size() * 256);
    for (Row row : rows) {
      for (int i = 0; i < types.size(); i++) {
        if (i > 0) {
          b.append('\t');
        }
        CopyText.append(b, types.get(i), row.getValue(i));
      }
      b.append('\n');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }
}
