package dev.sluice.io.jdbc;

import dev.sluice.io.metrics.SinkCounters;
import dev.sluice.io.streams.SqsAcker;
import dev.sluice.core.model.DeadLetter;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Stores records' outcomes in the database and only then acknowledges them at the source:
 * rows are upserted (duplicates too, with {@code DO NOTHING}, so their delivery is settled by a
 * commit of its own), dead letters go to {@code sluice_dead_letters}; after the transaction
 * commits, the batch's messages are deleted. A crash before the commit leaves the messages to
 * come again; a crash after it leaves them to be stored again, changing nothing.
 *
 * <p>A table without a key ({@code table.mode: append}) takes plain INSERTs instead, and is
 * not idempotent: a crash between the commit and the delete stores those records again when
 * their messages come back; a message delivered twice within the run (its visibility timeout
 * ran out) is deleted by its second copy without a row, so a crash before the first copy's
 * commit would lose it.
 */
public final class StoreAndAck {
  public static final String DEAD_LETTER_TABLE = "sluice_dead_letters";

  private StoreAndAck() {}

  /** Creates the dead-letter table when absent. */
  public static void ensureDeadLetterTable(Database db) {
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS " + DEAD_LETTER_TABLE + " (feed text NOT NULL,"
          + " origin text NOT NULL, stage text NOT NULL, reason text NOT NULL,"
          + " payload_encrypted text, record jsonb, stored_at timestamptz NOT NULL DEFAULT now(),"
          + " PRIMARY KEY (feed, origin))");
    } catch (SQLException e) {
      throw new dev.sluice.io.SluiceException(DEAD_LETTER_TABLE + ": " + db.describe(e));
    }
  }

  public static PTransform<PCollection<Row>, PCollection<Void>> rows(
      FeedSpec spec, Database db, SqlDialect dialect, SqsAcker acker, int batchSize,
      boolean duplicates) {
    Map<String, FieldType> cols = Tables.columns(spec);
    String sql = dialect.upsert(spec.table, cols, spec.tableKeyColumns());
    if (spec.tableAppend) {
      // A table without a key (table.mode append): plain INSERTs, and a duplicate (the same
      // message delivered again within the run) is acknowledged without a row of its own.
      int at = sql.indexOf(" ON CONFLICT");
      sql = duplicates ? null : at < 0 ? sql : sql.substring(0, at);
    } else if (duplicates) {
      int at = sql.indexOf(" ON CONFLICT");
      sql = sql.substring(0, sql.indexOf(')', at) + 1) + " DO NOTHING";
    }
    String statement = sql;
    int ackIndex = spec.outputSchema().indexOf(FeedSpec.ACK);
    List<FieldType> types = new ArrayList<>(cols.values());
    return new PTransform<>() {
      @Override
      public PCollection<Void> expand(PCollection<Row> input) {
        // Duplicates change nothing in the table (DO NOTHING): not counted as stored.
        return input.apply(ParDo.of(new StoreRowsFn(db, duplicates ? null : spec.table,
            statement, types, ackIndex, acker, batchSize)));
      }
    };
  }

  public static PTransform<PCollection<DeadLetter>, PCollection<Void>> deadLetters(
      Database db, SqsAcker acker, int batchSize) {
    return new PTransform<>() {
      @Override
      public PCollection<Void> expand(PCollection<DeadLetter> input) {
        return input.apply(ParDo.of(new StoreDeadLettersFn(db, acker, batchSize)));
      }
    };
  }

  /** Buffers a bundle's items, commits them in one transaction, then acknowledges them. */
  abstract static class StoreFn<T> extends DoFn<T, Void> {
    private final Database db;
    private final SqsAcker acker;
    private final int batchSize;
    /** The table whose stored rows are counted ({@link SinkCounters}); null counts none. */
    private final String table;
    private transient Connection connection;
    private transient List<T> buffer;

    StoreFn(Database db, SqsAcker acker, int batchSize, String table) {
      this.db = db;
      this.acker = acker;
      this.batchSize = batchSize;
      this.table = table;
    }

    abstract void bind(Connection c, List<T> items) throws SQLException;

    abstract String ackId(T item);

    @Setup
    public void setup() {
      buffer = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element T item) throws SQLException {
      buffer.add(item);
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
      // A database away for seconds costs retries (DatabaseRetry); the upsert makes them safe.
      for (int attempt = 1; ; attempt++) {
        try {
          if (connection == null || connection.isClosed()) {
            connection = db.open();
            connection.setAutoCommit(false);
          }
          bind(connection, buffer);
          connection.commit();
          // Only after the commit: a batch retried after a lost connection counts once.
          if (table != null) {
            SinkCounters.rowsStored(table).inc(buffer.size());
          }
          break;
        } catch (SQLException e) {
          try {
            connection.close();
          } catch (SQLException | RuntimeException ignored) {
            // A new connection is opened for the next attempt.
          }
          connection = null;
          try {
            DatabaseRetry.standard().waitOrThrow(e, attempt, db, "storing records");
          } catch (SQLException last) {
            throw new SQLException("storing " + buffer.size() + " records failed: "
                + db.describe(last), last.getSQLState());
          }
        }
      }
      List<String> acks = new ArrayList<>(buffer.size());
      for (T item : buffer) {
        String id = ackId(item);
        if (id != null) {
          acks.add(id);
        }
      }
      buffer.clear();
      acker.ack(acks);
    }

    @Teardown
    public void teardown() throws SQLException {
      if (connection != null) {
        connection.close();
      }
      acker.close();
    }
  }

  static final class StoreRowsFn extends StoreFn<Row> {
    private final String statement;
    private final WriteRows.RowSetter setter;
    private final int ackIndex;

    StoreRowsFn(Database db, String table, String statement, List<FieldType> types,
        int ackIndex, SqsAcker acker, int batchSize) {
      super(db, acker, batchSize, table);
      this.statement = statement;
      this.setter = new WriteRows.RowSetter(types);
      this.ackIndex = ackIndex;
    }

    @Override
    void bind(Connection c, List<Row> rows) throws SQLException {
      if (statement == null) {
        return;
      }
      try (PreparedStatement ps = c.prepareStatement(statement)) {
        for (Row r : rows) {
          setter.setParameters(r, ps);
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }

    @Override
    String ackId(Row row) {
      return ackIndex < 0 ? null : row.getString(ackIndex);
    }
  }

  static final class StoreDeadLettersFn extends StoreFn<DeadLetter> {

    StoreDeadLettersFn(Database db, SqsAcker acker, int batchSize) {
      // Dead letters are not rows of a feed's table; the ledger counts them.
      super(db, acker, batchSize, null);
    }

    @Override
    void bind(Connection c, List<DeadLetter> items) throws SQLException {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + DEAD_LETTER_TABLE
          + " (feed, origin, stage, reason, payload_encrypted, record)"
          + " VALUES (?, ?, ?, ?, ?, CAST(? AS jsonb)) ON CONFLICT (feed, origin) DO NOTHING")) {
        for (DeadLetter d : items) {
          ps.setString(1, d.feed());
          ps.setString(2, d.origin());
          ps.setString(3, d.stage());
          ps.setString(4, d.reason());
          ps.setString(5, d.payloadToken());
          ps.setString(6, d.protectedRecord());
          ps.addBatch();
        }
        ps.executeBatch();
      }
    }

    @Override
    String ackId(DeadLetter d) {
      return d.ackId();
    }
  }

}
