package dev.sluice.pipeline;

import dev.sluice.pipeline.jdbc.Database;
import dev.sluice.pipeline.jdbc.PostgresDialect;
import dev.sluice.pipeline.jdbc.SqlDialect;
import dev.sluice.pipeline.sources.SqsAcker;
import org.apache.beam.sdk.io.Compression;
import org.joda.time.Duration;

/**
 * Where a run's results go: a file output (partitions and dead letters) and optionally a
 * database. Whole-job tests pass {@link #none()} and assert on the graph's collections.
 */
public final class Sinks {
  final String output;
  final String format;
  final Compression compression;
  final int numShards;
  final Database database;
  final SqlDialect dialect;
  final int batchSize;
  final Duration window;
  final SqsAcker acker;

  private Sinks(String output, String format, Compression compression, int numShards,
      Database database, SqlDialect dialect, int batchSize, Duration window, SqsAcker acker) {
    this.output = output;
    this.format = format;
    this.compression = compression;
    this.numShards = numShards;
    this.database = database;
    this.dialect = dialect;
    this.batchSize = batchSize;
    this.window = window;
    this.acker = acker;
  }

  private Sinks(String output, String format, Compression compression, int numShards,
      Database database, SqlDialect dialect, int batchSize) {
    this(output, format, compression, numShards, database, dialect, batchSize, null, null);
  }

  public static Sinks none() {
    return new Sinks(null, "jsonl", Compression.GZIP, 1, null, new PostgresDialect(), 1000);
  }

  /** Streams: files per fixed event-time window; late rows get later panes of their own. */
  public Sinks withWindow(Duration window) {
    return new Sinks(output, format, compression, numShards, database, dialect, batchSize,
        window, acker);
  }

  /** Sources that acknowledge: outcomes are stored in the database, then acknowledged. */
  public Sinks withAcker(SqsAcker acker) {
    return new Sinks(output, format, compression, numShards, database, dialect, batchSize,
        window, acker);
  }

  public static Sinks files(String output) {
    return none().withOutput(output);
  }

  public Sinks withOutput(String output) {
    return new Sinks(output, format, compression, numShards, database, dialect, batchSize,
        window, acker);
  }

  public Sinks withFormat(String format) {
    return new Sinks(output, format, compression, numShards, database, dialect, batchSize,
        window, acker);
  }

  public Sinks withCompression(Compression compression) {
    return new Sinks(output, format, compression, numShards, database, dialect, batchSize,
        window, acker);
  }

  public Sinks withNumShards(int numShards) {
    return new Sinks(output, format, compression, numShards, database, dialect, batchSize,
        window, acker);
  }

  public Sinks withDatabase(Database database) {
    return new Sinks(output, format, compression, numShards, database, dialect, batchSize,
        window, acker);
  }

  public Sinks withDialect(SqlDialect dialect) {
    return new Sinks(output, format, compression, numShards, database, dialect, batchSize,
        window, acker);
  }

  public Sinks withBatchSize(int batchSize) {
    return new Sinks(output, format, compression, numShards, database, dialect, batchSize,
        window, acker);
  }

  public String output() {
    return output;
  }

  public Database database() {
    return database;
  }
}
