package dev.sluice.feed;

import dev.sluice.core.spec.FeedSpec;
import dev.sluice.io.SluiceException;
import dev.sluice.io.jdbc.Database;
import dev.sluice.io.jdbc.StoreAndAck;
import dev.sluice.io.jdbc.Tables;
import dev.sluice.io.streams.SqsAcker;

/**
 * A run's database, when it has one, made ready before the graph is built: its tables created
 * or checked (so a worker never races another to create them), and the feed's text columns
 * held to the lengths the tables allow.
 */
final class JobTables {
  /** The spec with the tables' column limits. */
  final FeedSpec spec;
  /** The sinks with the database (and the acker, for SQS). */
  final Sinks sinks;

  private JobTables(FeedSpec spec, Sinks sinks) {
    this.spec = spec;
    this.sinks = sinks;
  }

  /**
   * {@code --jdbcUrl}, else the environment's {@code SLUICE_JDBC_URL}; null or empty for none.
   * An SQS run needs one: a message is deleted only once what it holds is stored.
   */
  static String jdbcUrl(SluiceOptions options, Input input) {
    String jdbcUrl = options.getJdbcUrl();
    if ((jdbcUrl == null || jdbcUrl.isEmpty()) && System.getenv("SLUICE_JDBC_URL") != null) {
      jdbcUrl = System.getenv("SLUICE_JDBC_URL");
    }
    if (input.kind == Input.Kind.SQS && (jdbcUrl == null || jdbcUrl.isEmpty())) {
      throw new SluiceException("--input=" + options.getInput() + ": an SQS run needs --jdbcUrl;"
          + " a message is deleted only after its row (or dead letter) is stored there");
    }
    return jdbcUrl;
  }

  /** Spec and sinks unchanged without a database; {@code acker} is null but for SQS. */
  static JobTables prepare(String jdbcUrl, FeedSpec spec, Sinks sinks, SqsAcker acker) {
    if (jdbcUrl == null || jdbcUrl.isEmpty()) {
      return new JobTables(spec, sinks);
    }
    Database db = Database.of(jdbcUrl);
    Tables.ensure(db, sinks.dialect, spec);
    spec = spec.withColumnLimits(Tables.textLimits(db, spec));
    sinks = sinks.withDatabase(db);
    if (acker != null) {
      StoreAndAck.ensureDeadLetterTable(db);
      sinks = sinks.withAcker(acker);
    }
    return new JobTables(spec, sinks);
  }
}
