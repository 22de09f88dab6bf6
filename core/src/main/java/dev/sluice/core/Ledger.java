package dev.sluice.core;

import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;

/**
 * The counters every run balances: {@code read = written + duplicates + rejected}. Each step
 * counts what it decides, so the ledger holds whatever the source and sinks are.
 */
public final class Ledger {
  public static final String NAMESPACE = "sluice";
  public static final String PARTITIONS = "sluice.partitions";
  public static final String READ = "read";
  public static final String WRITTEN = "written";
  public static final String DUPLICATES = "duplicates";
  public static final String REJECTED_PREFIX = "rejected.";
  /**
   * Files that could not be read to their end (corrupt, truncated, gone, a header that matches
   * nothing): each is one dead letter of stage {@code read}; the records read from it before the
   * damage are in {@code read} like any other.
   */
  public static final String FILES_REJECTED = "files_rejected";
  /** Rows written in a late pane (streams): counted in written too, not a fourth place. */
  public static final String LATE = "late";
  /**
   * Keys of JSON records that no field named, dropped under {@code "extra_fields": "drop"}:
   * not records, so outside the balance, but never dropped without a count.
   */
  public static final String FIELDS_DROPPED = "fields_dropped";
  /** Namespace of dead letters counted by reason (digits as '#'), for a run's top reasons. */
  public static final String REASONS = "sluice.reasons";

  private Ledger() {}

  public static Counter read() {
    return Metrics.counter(NAMESPACE, READ);
  }

  public static Counter written() {
    return Metrics.counter(NAMESPACE, WRITTEN);
  }

  public static Counter duplicates() {
    return Metrics.counter(NAMESPACE, DUPLICATES);
  }

  public static Counter filesRejected() {
    return Metrics.counter(NAMESPACE, FILES_REJECTED);
  }

  public static Counter late() {
    return Metrics.counter(NAMESPACE, LATE);
  }

  public static Counter rejected(String stage) {
    return Metrics.counter(NAMESPACE, REJECTED_PREFIX + stage);
  }

  public static Counter fieldsDropped() {
    return Metrics.counter(NAMESPACE, FIELDS_DROPPED);
  }

  /**
   * The counter of one kind of reason: the stage and the reason with runs of digits as
   * {@code #}, so "basket item 1" and "basket item 2" count together. Reasons never hold
   * values, so their names are safe to keep in the runner's metrics.
   */
  public static Counter reason(String stage, String reason) {
    String r = reason == null ? "" : reason.replaceAll("[0-9]+", "#");
    if (r.length() > 160) {
      r = r.substring(0, 160) + "...";
    }
    return Metrics.counter(REASONS, stage + ": " + r);
  }

  public static Counter partition(String path) {
    return Metrics.counter(PARTITIONS, path.isEmpty() ? "." : path);
  }
}
