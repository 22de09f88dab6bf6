package dev.sluice.io.metrics;

import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Gauge;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * Counters of what sinks stored and gauges of what sources know, beside the ledger's own: for
 * {@code /metrics} and the report. Not part of the ledger's balance.
 */
public final class SinkCounters {
  public static final String STORED = "sluice.stored";
  public static final String FILES = "sluice.files";
  public static final String SOURCE = "sluice.source";
  public static final String FILES_WRITTEN = "files_written";
  public static final String BYTES_WRITTEN = "bytes_written";
  public static final String SQS_IN_FLIGHT = "sqs_messages_in_flight";
  public static final String KINESIS_LAG_MILLIS = "kinesis_lag_millis";

  private SinkCounters() {}

  /** Rows a database sink has committed to {@code table}. */
  public static Counter rowsStored(String table) {
    return Metrics.counter(STORED, table);
  }

  public static Counter filesWritten() {
    return Metrics.counter(FILES, FILES_WRITTEN);
  }

  public static Counter bytesWritten() {
    return Metrics.counter(FILES, BYTES_WRITTEN);
  }

  public static Gauge sqsInFlight() {
    return Metrics.gauge(SOURCE, SQS_IN_FLIGHT);
  }

  public static Gauge kinesisLagMillis() {
    return Metrics.gauge(SOURCE, KINESIS_LAG_MILLIS);
  }
}
