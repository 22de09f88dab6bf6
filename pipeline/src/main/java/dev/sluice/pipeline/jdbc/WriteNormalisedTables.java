package dev.sluice.pipeline.jdbc;

import dev.sluice.pipeline.metrics.SinkCounters;
import dev.sluice.transforms.normalise.NormalisedTable;
import dev.sluice.transforms.normalise.Normaliser;
import dev.sluice.transforms.spec.FieldType;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
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
 * every commit. Deadlocks and serialization failures between runs that load in parallel and
 * touch the same rows (two branches selling the same product) are retried by JdbcIO.
 * The tables must exist ({@link NormalisedTables#ensure}).
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
    JdbcIO.DataSourceConfiguration config =
        JdbcIO.DataSourceConfiguration.create("org.postgresql.Driver", db.url())
            .withConnectionProperties(db.connectionProperties());
    if (db.password() != null) {
      config = config.withPassword(db.password());
    }
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
              JdbcIO.<Row>write()
                  .withDataSourceConfiguration(config)
                  .withStatement(dialect.upsert(t.name(), cols, t.key()))
                  .withBatchSize(batchSize)
                  .withRetryStrategy(WriteNormalisedTables::retryable)
                  .withPreparedStatementSetter(
                      new WriteRows.RowSetter(new ArrayList<>(cols.values())))
                  .withResults());
      written.put(t.name(), done);
      // JdbcIO commits inside; its rows are counted stored once its writes are done (Wait.on).
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

  /** Serialization failure or deadlock: the batch is rolled back and can simply run again. */
  static boolean retryable(SQLException e) {
    String state = e.getSQLState();
    return "40001".equals(state) || "40P01".equals(state);
  }
}
