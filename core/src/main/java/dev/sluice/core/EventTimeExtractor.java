package dev.sluice.core;

import dev.sluice.core.model.RawRecord;
import dev.sluice.core.spec.FeedSpec;
import java.io.Serializable;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * Reads a record's event time straight from its payload, so a streaming source can hold its
 * watermark to event time (not arrival time) and windows close when the data says so. Records
 * that do not parse have no event time here; the parser makes them dead letters later.
 *
 * <p>Not thread-safe.
 */
public final class EventTimeExtractor implements Serializable {
  private final RecordParser parser;
  private final int index;

  public EventTimeExtractor(FeedSpec spec) {
    if (spec.eventTime == null) {
      throw new IllegalArgumentException("feed " + spec.name + " has no event_time");
    }
    this.parser = new RecordParser(spec);
    this.index = spec.parsedSchema().indexOf(spec.eventTime);
  }

  /** The event time, or null where the payload does not parse or has none. */
  public Instant eventTime(byte[] payload) {
    RecordParser.Result r = parser.parse(RawRecord.of(payload, "watermark"));
    if (!r.ok()) {
      return null;
    }
    ReadableInstant t = r.row.getValue(index);
    return t == null ? null : new Instant(t.getMillis());
  }
}
