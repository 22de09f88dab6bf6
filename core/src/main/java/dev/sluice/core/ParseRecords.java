package dev.sluice.core;

import dev.sluice.core.model.DeadLetter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.normalise.Normalisers;
import dev.sluice.core.normalise.RowCheck;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * Parses, cleanses and validates raw records into typed rows of the feed's parsed schema.
 * Rows carry their event time as element timestamp. A record that fails becomes a dead letter
 * (stage {@code parse} or {@code validate}) holding its payload encrypted and, where it parsed,
 * a protected view; it is counted, never dropped.
 *
 * <pre>{@code
 * PCollectionTuple parsed = raw.apply(ParseRecords.of(spec).withProtector(protector));
 * PCollection<Row> rows = parsed.get(ParseRecords.ROWS);
 * PCollection<DeadLetter> bad = parsed.get(DeadLetters.TAG);
 * }</pre>
 */
public final class ParseRecords extends PTransform<PCollection<RawRecord>, PCollectionTuple> {
  public static final TupleTag<Row> ROWS = new TupleTag<Row>() {};

  private final FeedSpec spec;
  private final Protector protector;

  private ParseRecords(FeedSpec spec, Protector protector) {
    this.spec = spec;
    this.protector = protector;
  }

  public static ParseRecords of(FeedSpec spec) {
    return new ParseRecords(Objects.requireNonNull(spec, "spec"), null);
  }

  /** The keys that protect dead letters' payloads and views. Required. */
  public ParseRecords withProtector(Protector protector) {
    return new ParseRecords(spec, Objects.requireNonNull(protector, "protector"));
  }

  @Override
  public PCollectionTuple expand(PCollection<RawRecord> input) {
    if (protector == null) {
      throw new IllegalStateException("ParseRecords needs withProtector(...)");
    }
    PCollectionTuple out =
        input.apply(
            "ParseRecord",
            ParDo.of(new ParseFn(spec, protector))
                .withOutputTags(ROWS, TupleTagList.of(DeadLetters.TAG)));
    out.get(ROWS).setRowSchema(spec.parsedSchema());
    out.get(DeadLetters.TAG).setCoder(DeadLetter.DeadLetterCoder.of());
    return out;
  }

  /**
   * Carries only the spec and the keys (both small); the parser, the dead letters' protected
   * view and the feed's row check are built once per instance in {@link #setup}. The
   * DirectRunner serializes and deserializes a DoFn for every bundle, so every byte here is
   * paid per bundle.
   */
  static final class ParseFn extends DoFn<RawRecord, Row> {
    private final FeedSpec spec;
    private final Protector protector;
    private transient RecordParser parser;
    private transient RecordProtector view;
    private transient int eventTimeIndex;
    /** The feed's own rule over a parsed record (its normaliser's); null for most feeds. */
    private transient RowCheck check;
    /** The text lengths the feed's table holds; null when it states none. */
    private transient ColumnLimits limits;

    ParseFn(FeedSpec spec, Protector protector) {
      this.spec = spec;
      this.protector = protector;
    }

    @Setup
    public void setup() {
      parser = new RecordParser(spec);
      view = new RecordProtector(spec, protector);
      eventTimeIndex = spec.eventTime == null ? -1 : spec.parsedSchema().indexOf(spec.eventTime);
      check = Normalisers.checkFor(spec);
      limits = ColumnLimits.of(spec, view);
    }

    @ProcessElement
    public void process(@Element RawRecord record, MultiOutputReceiver out) {
      if (record.refusedStage() != null) {
        refused(record, out);
        return;
      }
      Ledger.read().inc();
      RecordParser.Result result = parser.parse(record);
      if (!result.ok()) {
        Ledger.rejected(result.stage).inc();
        String payload = view.protector().encryptBytes(Protector.PAYLOAD_FIELD, record.payload());
        String protectedView =
            result.stage.equals(RecordParser.STAGE_PARSE) ? null : view.view(result.partial);
        out.get(DeadLetters.TAG)
            .output(
                new DeadLetter(spec.name, result.stage, result.reason, record.origin(), payload,
                    protectedView, record.ackId()));
        return;
      }
      String problem = check == null ? null : check.problem(result.row);
      if (problem != null) {
        Ledger.rejected(RecordParser.STAGE_VALIDATE).inc();
        out.get(DeadLetters.TAG)
            .output(
                new DeadLetter(spec.name, RecordParser.STAGE_VALIDATE, problem, record.origin(),
                    view.protector().encryptBytes(Protector.PAYLOAD_FIELD, record.payload()),
                    view.view(fieldsOf(result.row, check.hiddenInView())), record.ackId()));
        return;
      }
      String tooLong = limits == null ? null : limits.problem(result.row);
      if (tooLong != null) {
        Ledger.rejected(RecordParser.STAGE_VALIDATE).inc();
        out.get(DeadLetters.TAG)
            .output(
                new DeadLetter(spec.name, RecordParser.STAGE_VALIDATE, tooLong, record.origin(),
                    view.protector().encryptBytes(Protector.PAYLOAD_FIELD, record.payload()),
                    view.view(fieldsOf(result.row, java.util.Set.of(limits.lastField()))),
                    record.ackId()));
        return;
      }
      int dropped = parser.droppedFields();
      if (dropped > 0) {
        Ledger.fieldsDropped().inc(dropped);
      }
      if (eventTimeIndex >= 0) {
        ReadableInstant t = result.row.getValue(eventTimeIndex);
        if (t != null) {
          out.get(ROWS).outputWithTimestamp(result.row, new Instant(t.getMillis()));
          return;
        }
      }
      out.get(ROWS).output(result.row);
    }

    /**
     * What the source refused: a file it could not read (counted in files_rejected, not read)
     * or a record it did not hold (read, and rejected at the stage it names). No payload: the
     * reason says where the bytes are.
     */
    private void refused(RawRecord record, MultiOutputReceiver out) {
      if (record.refusedStage().equals(RawRecord.STAGE_READ)) {
        Ledger.filesRejected().inc();
      } else {
        Ledger.read().inc();
        Ledger.rejected(record.refusedStage()).inc();
      }
      out.get(DeadLetters.TAG)
          .output(new DeadLetter(spec.name, record.refusedStage(), record.refusedReason(),
              record.origin(), null, null, record.ackId()));
    }

    /** A parsed row as field name to value, for its protected view in a dead letter. */
    private Map<String, Object> fieldsOf(Row row, java.util.Set<String> hidden) {
      Map<String, Object> fields = new HashMap<>();
      for (String name : row.getSchema().getFieldNames()) {
        if (!hidden.contains(name)) {
          fields.put(name, row.getValue(name));
        }
      }
      return fields;
    }

    /** Event time may lie before arrival time; a stream's records are stamped on arrival. */
    @SuppressWarnings("deprecation")
    @Override
    public Duration getAllowedTimestampSkew() {
      return Duration.millis(Long.MAX_VALUE);
    }
  }
}
