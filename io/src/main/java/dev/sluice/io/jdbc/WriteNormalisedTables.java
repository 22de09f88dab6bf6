package dev.sluice.io.jdbc;

import dev.sluice.io.metrics.SinkCounters;
import dev.sluice.core.normalise.NormalisedTable;
import dev.sluice.core.normalise.Normaliser;
import dev.sluice.core.spec.FieldType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Wait;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.Row;

/**
 * Upserts every table of a {@link Normaliser}'s output, each on its key, in batches. A table is
 * written only after the tables it refers to are ({@link Wait#on}), so foreign keys hold at
 * every commit. Each batch is one transaction, tried again with back-off ({@link
 * DatabaseRetry}, as the feed tables' COPY path does) after a lost connection, a server
 * restarting, or a deadlock or serialization failure between runs that load in parallel and
 * touch the same rows (two branches selling the same product); the upserts make a retried
 * batch change nothing twice. The tables must exist ({@link NormalisedTables#ensure}).
 *
 * <pre>{@code
 * tables.apply(WriteNormalisedTables.of(normaliser).to(database).withBatchSize(1000));
 * }</pre>
 */
public final class WriteNormalisedTables extends PTransform<PCollectionTuple, PDone> {
  private final Normaliser normaliser;
  private final Database db;
  private final SqlDialect dialect;
  private final int batchSize;

  private WriteNormalisedTables(Normaliser normaliser, Database db, SqlDialect dialect,
      int batchSize) {
    this.normaliser = normaliser;
    this.db = db;
    this.dialect = dialect;
    this.batchSize = batchSize;
  }

  public static WriteNormalisedTables of(Normaliser normaliser) {
    return new WriteNormalisedTables(Objects.requireNonNull(normaliser, "normaliser"), null,
        new PostgresDialect(), 1000);
  }

  public WriteNormalisedTables to(Database db) {
    return new WriteNormalisedTables(normaliser, Objects.requireNonNull(db), dialect, batchSize);
  }

  public WriteNormalisedTables withDialect(SqlDialect dialect) {
    return new WriteNormalisedTables(normaliser, db, Objects.requireNonNull(dialect), batchSize);
  }

  public WriteNormalisedTables withBatchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1");
    }
    return new WriteNormalisedTables(normaliser, db, dialect, batchSize);
  }

  @Override
  public PDone expand(PCollectionTuple tables) {
    Objects.requireNonNull(db, "WriteNormalisedTables needs to(database)");
    Map<String, PCollection<Void>> written = new HashMap<>();
    for (NormalisedTable t : normaliser.tables()) {
      PCollection<Row> rows = tables.get(t.tag());
      List<PCollection<?>> first = new ArrayList<>();
      for (String ref : new LinkedHashSet<>(t.references().values())) {
        PCollection<Void> done = written.get(ref);
        if (done == null) {
          throw new IllegalStateException(t.name() + " refers to " + ref
              + ", which is not written before it");
        }
        first.add(done);
      }
      if (!first.isEmpty()) {
        rows = rows.apply("WaitForReferencedTables_" + t.name(), Wait.on(first))
            .setRowSchema(t.schema());
      }
      Map<String, FieldType> cols = t.columns();
      PCollection<Void> done =
          rows.apply(
              "Upsert_" + t.name(),
              ParDo.of(new UpsertBatchesFn(db, t.name(), dialect.upsert(t.name(), cols, t.key()),
                  new WriteRows.RowSetter(new ArrayList<>(cols.values())), batchSize)));
      written.put(t.name(), done);
      // Rows are counted stored once their table's writes are all committed (Wait.on).
      rows.apply("WaitForUpsert_" + t.name(), Wait.on(done)).setRowSchema(t.schema())
          .apply("CountStored_" + t.name(), ParDo.of(new CountStoredFn(t.name())));
    }
    return PDone.in(tables.getPipeline());
  }

  /** Counts rows stored into {@link SinkCounters}, once their table's writes are committed. */
  static final class CountStoredFn extends DoFn<Row, Void> {
    private final String table;

    CountStoredFn(String table) {
      this.table = table;
    }

    @ProcessElement
    public void process() {
      SinkCounters.rowsStored(table).inc();
    }
  }

  /**
   * Upserts a bundle's rows in batches, one transaction each; a batch that fails for a
   * transient reason is rolled back and tried again on a new connection. It outputs nothing:
   * its output is the signal that the table is written.
   */
  static final class UpsertBatchesFn extends DoFn<Row, Void> {
    private final Database db;
    private final String table;
    private final String statement;
    private final WriteRows.RowSetter setter;
    private final int batchSize;
    private transient Connection connection;
    private transient List<Row> buffer;

    UpsertBatchesFn(Database db, String table, String statement, WriteRows.RowSetter setter,
        int batchSize) {
      this.db = db;
      this.table = table;
      this.statement = statement;
      this.setter = setter;
      this.batchSize = batchSize;
    }

    @Setup
    public void setup() {
      buffer = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element Row row) throws SQLException {
      buffer.add(row);
      if (buffer.size() >= batchSize) {
        flush();
      }
    }

    @FinishBundle
    public void finishBundle() throws SQLException {
      flush();
    }

    private void flush() throws SQLException {
      if (buffer.isEmpty()) {
        return;
      }
      for (int attempt = 1; ; attempt++) {
        try {
          if (connection == null) {
            connection = db.open();
            connection.setAutoCommit(false);
          }
          try (PreparedStatement ps = connection.prepareStatement(statement)) {
            for (Row r : buffer) {
              setter.setParameters(r, ps);
              ps.addBatch();
            }
            ps.executeBatch();
          }
          connection.commit();
          break;
        } catch (SQLException e) {
          closeQuietly();
          try {
            DatabaseRetry.standard().waitOrThrow(e, attempt, db, "writing table " + table);
          } catch (SQLException last) {
            throw new SQLException("table " + table + ": writing " + buffer.size()
                + " rows failed: " + db.describe(last), last.getSQLState());
          }
        }
      }
      buffer.clear();
    }

    private void closeQuietly() {
      if (connection != null) {
        try {
          connection.close();
        } catch (SQLException | RuntimeException ignored) {
          // The next attempt opens a new connection; a rollback dies with this one.
        }
        connection = null;
      }
    }

    @Teardown
    public void teardown() {
      closeQuietly();
    }
  }
}
