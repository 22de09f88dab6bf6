package dev.sluice.feed;

import dev.sluice.io.jdbc.Database;
import dev.sluice.io.jdbc.PostgresDialect;
import dev.sluice.io.jdbc.SqlDialect;
import dev.sluice.io.streams.SqsAcker;
import org.apache.beam.sdk.io.Compression;
import org.joda.time.Duration;

/**
 * Where a run's results go: a file output (partitions and dead letters) and optionally a
 * database. Whole-job tests pass {@link #none()} and assert on the graph's collections.
 */
public final class Sinks {
  String output;
  String format = "jsonl";
  Compression compression = Compression.GZIP;
  int numShards = 1;
  Database database;
  SqlDialect dialect = new PostgresDialect();
  int batchSize = 1000;
  Duration flushInterval;
  long fileSize = 128L << 20;
  Duration closeWhenIdle;
  Duration maxOutOfOrder;
  SqsAcker acker;
  String filePrefix;
  boolean duplicateKeys = true;

  private Sinks() {}

  private Sinks copy() {
    Sinks s = new Sinks();
    s.output = output;
    s.format = format;
    s.compression = compression;
    s.numShards = numShards;
    s.database = database;
    s.dialect = dialect;
    s.batchSize = batchSize;
    s.flushInterval = flushInterval;
    s.fileSize = fileSize;
    s.closeWhenIdle = closeWhenIdle;
    s.maxOutOfOrder = maxOutOfOrder;
    s.acker = acker;
    s.filePrefix = filePrefix;
    s.duplicateKeys = duplicateKeys;
    return s;
  }

  /**
   * The run needs no collection of the duplicates' keys (whole-job tests read it from
   * {@code Outputs}; a run has the ledger's count): a batch then drops duplicates without
   * emitting them, which spares Flink shipping every unique row to two consumers that discard it.
   */
  public Sinks withoutDuplicateKeys() {
    Sinks s = copy();
    s.duplicateKeys = false;
    return s;
  }

  public static Sinks none() {
    return new Sinks();
  }

  public static Sinks files(String output) {
    return none().withOutput(output);
  }

  /**
   * Streams: files roll per partition and shard at {@code fileSize} bytes (before compression)
   * or after {@code flushInterval} of processing time (see {@code RollFiles}).
   */
  public Sinks withRolling(long fileSize, Duration flushInterval) {
    Sinks s = copy();
    s.fileSize = fileSize;
    s.flushInterval = flushInterval;
    return s;
  }

  /** Streams that stop when drained and delete at store: an idle file closes after this. */
  public Sinks withCloseWhenIdle(Duration idle) {
    Sinks s = copy();
    s.closeWhenIdle = idle;
    return s;
  }

  /** Streams: rows this far behind the newest event time seen count as late (nothing more). */
  public Sinks withMaxOutOfOrder(Duration maxOutOfOrder) {
    Sinks s = copy();
    s.maxOutOfOrder = maxOutOfOrder;
    return s;
  }

  /** Sources that acknowledge: outcomes are stored in the database, then acknowledged. */
  public Sinks withAcker(SqsAcker acker) {
    Sinks s = copy();
    s.acker = acker;
    return s;
  }

  /**
   * Names output and dead-letter files {@code <prefix>-...} instead of {@code <feed>-...}: a
   * replay writes beside a run's own files without replacing them.
   */
  public Sinks withFilePrefix(String prefix) {
    Sinks s = copy();
    s.filePrefix = prefix;
    return s;
  }

  public Sinks withOutput(String output) {
    Sinks s = copy();
    s.output = output;
    return s;
  }

  public Sinks withFormat(String format) {
    Sinks s = copy();
    s.format = format;
    return s;
  }

  public Sinks withCompression(Compression compression) {
    Sinks s = copy();
    s.compression = compression;
    return s;
  }

  public Sinks withNumShards(int numShards) {
    Sinks s = copy();
    s.numShards = numShards;
    return s;
  }

  public Sinks withDatabase(Database database) {
    Sinks s = copy();
    s.database = database;
    return s;
  }

  public Sinks withDialect(SqlDialect dialect) {
    Sinks s = copy();
    s.dialect = dialect;
    return s;
  }

  public Sinks withBatchSize(int batchSize) {
    Sinks s = copy();
    s.batchSize = batchSize;
    return s;
  }

  public String output() {
    return output;
  }

  /** The prefix of output file names; null: the feed's name. */
  public String filePrefix() {
    return filePrefix;
  }

  public Database database() {
    return database;
  }
}
