package dev.sluice.io.jdbc;

import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldType;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.io.jdbc.JdbcIO;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.ReadableInstant;

/**
 * Upserts output rows into the feed's table, in batches, on the table key, so a retried bundle
 * or a re-run changes nothing. The table must exist ({@link Tables#ensure}). Postgres gets each
 * batch by {@code COPY} into a staging table and one {@code INSERT ... SELECT ... ON CONFLICT}
 * ({@link CopyUpsertFn}); other dialects get JdbcIO's batched upserts.
 *
 * <pre>{@code rows.apply(WriteRows.of(spec).to(database).withDialect(new PostgresDialect())) }</pre>
 */
public final class WriteRows extends PTransform<PCollection<Row>, PCollection<Void>> {
  private final FeedSpec spec;
  private final Database db;
  private final SqlDialect dialect;
  private final int batchSize;

  private WriteRows(FeedSpec spec, Database db, SqlDialect dialect, int batchSize) {
    this.spec = spec;
    this.db = db;
    this.dialect = dialect;
    this.batchSize = batchSize;
  }

  public static WriteRows of(FeedSpec spec) {
    return new WriteRows(Objects.requireNonNull(spec), null, new PostgresDialect(), 1000);
  }

  public WriteRows to(Database db) {
    return new WriteRows(spec, Objects.requireNonNull(db), dialect, batchSize);
  }

  public WriteRows withDialect(SqlDialect dialect) {
    return new WriteRows(spec, db, Objects.requireNonNull(dialect), batchSize);
  }

  public WriteRows withBatchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be at least 1");
    }
    return new WriteRows(spec, db, dialect, batchSize);
  }

  @Override
  public PCollection<Void> expand(PCollection<Row> input) {
    Objects.requireNonNull(db, "WriteRows needs to(database)");
    Map<String, FieldType> cols = Tables.columns(spec);
    if (dialect instanceof PostgresDialect) {
      return input.apply(
          "UpsertRows",
          ParDo.of(new CopyUpsertFn(db, (PostgresDialect) dialect, spec.table, cols,
              spec.tableKeyColumns(), batchSize)));
    }
    String sql = dialect.upsert(spec.table, cols, spec.tableKeyColumns());
    List<FieldType> types = new ArrayList<>(cols.values());
    JdbcIO.DataSourceConfiguration config =
        JdbcIO.DataSourceConfiguration.create("org.postgresql.Driver", db.url())
            .withConnectionProperties(db.connectionProperties());
    if (db.password() != null) {
      config = config.withPassword(db.password());
    }
    return input.apply(
        "UpsertRows",
        JdbcIO.<Row>write()
            .withDataSourceConfiguration(config)
            .withStatement(sql)
            .withBatchSize(batchSize)
            .withPreparedStatementSetter(new RowSetter(types))
            .withResults());
  }

  /** Binds a row's values in column order, by the column's type. */
  static final class RowSetter implements JdbcIO.PreparedStatementSetter<Row> {
    private final List<FieldType> types;

    RowSetter(List<FieldType> types) {
      this.types = types;
    }

    @Override
    public void setParameters(Row row, PreparedStatement ps) throws SQLException {
      for (int i = 0; i < types.size(); i++) {
        Object v = row.getValue(i);
        int p = i + 1;
        switch (types.get(i)) {
          case INT:
            if (v == null) {
              ps.setNull(p, Types.INTEGER);
            } else {
              ps.setInt(p, (Integer) v);
            }
            break;
          case LONG:
            if (v == null) {
              ps.setNull(p, Types.BIGINT);
            } else {
              ps.setLong(p, (Long) v);
            }
            break;
          case DOUBLE:
            if (v == null) {
              ps.setNull(p, Types.DOUBLE);
            } else {
              ps.setDouble(p, (Double) v);
            }
            break;
          case DECIMAL:
            ps.setBigDecimal(p, (BigDecimal) v);
            break;
          case BOOLEAN:
            if (v == null) {
              ps.setNull(p, Types.BOOLEAN);
            } else {
              ps.setBoolean(p, (Boolean) v);
            }
            break;
          case DATE:
            if (v == null) {
              ps.setNull(p, Types.DATE);
            } else {
              ps.setObject(p, (LocalDate) v);
            }
            break;
          case TIMESTAMP:
            if (v == null) {
              ps.setNull(p, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
              ps.setObject(p, OffsetDateTime.ofInstant(
                  Instant.ofEpochMilli(((ReadableInstant) v).getMillis()), ZoneOffset.UTC));
            }
            break;
          case STRING:
          case JSON:
          default:
            ps.setString(p, (String) v);
            break;
        }
      }
    }
  }
}
