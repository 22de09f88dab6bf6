package dev.sluice.io.streams;

import dev.sluice.core.EventTimeExtractor;
import dev.sluice.core.spec.FeedSpec;
import java.io.Serializable;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * A stream's watermark in event time: the latest event time seen less the out-of-order
 * allowance, so event-time windows close when the data says so, not when it arrived. A source
 * with nothing new for the quiet period either moves on in processing time or, when the run
 * stops when drained, says it is done (the end of time), which lets every window fire and the
 * run finish on any runner.
 *
 * <p>Not thread-safe; one per reader or shard.
 */
public final class EventTimeWatermark implements Serializable {
  private final FeedSpec spec;
  private final Duration outOfOrder;
  private final Duration quiet;
  private final boolean stopWhenQuiet;
  private transient EventTimeExtractor extractor;
  private Instant maxEventTime = BoundedWindow.TIMESTAMP_MIN_VALUE;
  private Instant current = BoundedWindow.TIMESTAMP_MIN_VALUE;
  private long lastRecordMillis = System.currentTimeMillis();

  public EventTimeWatermark(FeedSpec spec, Duration outOfOrder, Duration quiet,
      boolean stopWhenQuiet) {
    this.spec = spec;
    this.outOfOrder = outOfOrder;
    this.quiet = quiet;
    this.stopWhenQuiet = stopWhenQuiet;
  }

  /** The latest event time seen, for a checkpoint. */
  public long maxEventTimeMillis() {
    return maxEventTime.getMillis();
  }

  /** The watermark last reported, for a checkpoint. */
  public long currentMillis() {
    return current.getMillis();
  }

  /** Carries on from a checkpoint, so a reader made anew never moves the watermark back. */
  public EventTimeWatermark restore(long maxEventTimeMillis, long currentMillis) {
    maxEventTime = new Instant(maxEventTimeMillis);
    current = new Instant(currentMillis);
    return this;
  }

  /** A fresh copy, for another reader or shard. */
  public EventTimeWatermark copy() {
    return new EventTimeWatermark(spec, outOfOrder, quiet, stopWhenQuiet);
  }

  /** Notes a record's payload (and its arrival time, used for feeds without event time). */
  public void update(byte[] payload, Instant arrival) {
    lastRecordMillis = System.currentTimeMillis();
    Instant t;
    if (spec.eventTime == null) {
      t = arrival;
    } else {
      if (extractor == null) {
        extractor = new EventTimeExtractor(spec);
      }
      t = extractor.eventTime(payload);
    }
    if (t != null && t.isAfter(maxEventTime)) {
      maxEventTime = t;
    }
  }

  /** True when nothing new has come for the quiet period. */
  public boolean quiet() {
    return System.currentTimeMillis() - lastRecordMillis >= quiet.getMillis();
  }

  public boolean stopsWhenQuiet() {
    return stopWhenQuiet;
  }

  /**
   * The watermark; {@code drained} is the source's own word that nothing is pending (SQS asks
   * the queue; Kinesis has no such question and passes true).
   */
  public Instant watermark(boolean drained) {
    if (stopWhenQuiet && quiet() && drained) {
      current = BoundedWindow.TIMESTAMP_MAX_VALUE;
      return current;
    }
    Instant next = maxEventTime.equals(BoundedWindow.TIMESTAMP_MIN_VALUE)
        ? BoundedWindow.TIMESTAMP_MIN_VALUE : maxEventTime.minus(outOfOrder);
    if (!stopWhenQuiet && quiet()) {
      Instant idle = Instant.now().minus(outOfOrder);
      next = idle.isAfter(next) ? idle : next;
    }
    if (next.isAfter(current)) {
      current = next;
    }
    return current;
  }
}
