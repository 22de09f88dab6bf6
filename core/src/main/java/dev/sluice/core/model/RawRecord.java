package dev.sluice.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ByteArrayCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * One record as a source delivered it, before anything is parsed: the payload bytes, where it
 * came from ({@code origin}: file and line, an SQS message id, a Kinesis shard and sequence
 * number) and when it arrived.
 *
 * <p>{@code sourceId} is a stable identity of the record at its source: a replay of the same
 * source yields the same id, so feeds without a natural key can still be deduplicated and
 * upserted.
 */
@DefaultCoder(RawRecord.RawRecordCoder.class)
public final class RawRecord {
  private final byte[] payload;
  private final String origin;
  private final String sourceId;
  private final long arrivalMillis;
  private final String header;
  private final String ackId;
  /** For a record (or file) the source could not hand on: the stage and reason; else null. */
  private final String refusedStage;
  private final String refusedReason;

  public RawRecord(
      byte[] payload, String origin, String sourceId, long arrivalMillis, String header) {
    this(payload, origin, sourceId, arrivalMillis, header, null);
  }

  public RawRecord(
      byte[] payload,
      String origin,
      String sourceId,
      long arrivalMillis,
      String header,
      String ackId) {
    this(payload, origin, sourceId, arrivalMillis, header, ackId, null, null);
  }

  private RawRecord(
      byte[] payload,
      String origin,
      String sourceId,
      long arrivalMillis,
      String header,
      String ackId,
      String refusedStage,
      String refusedReason) {
    this.payload = Objects.requireNonNull(payload, "payload");
    this.origin = Objects.requireNonNull(origin, "origin");
    this.sourceId = Objects.requireNonNull(sourceId, "sourceId");
    this.arrivalMillis = arrivalMillis;
    this.header = header;
    this.ackId = ackId;
    this.refusedStage = refusedStage;
    this.refusedReason = refusedReason;
  }

  /** Stage {@code read}: a whole file the source could not read; not a record (files_rejected). */
  public static final String STAGE_READ = "read";

  /**
   * A file the source could not read (to its end): it travels with the records as a marker, so
   * the parse step makes it a dead letter of stage {@code read} and counts it, in one place.
   */
  public static RawRecord unreadableFile(String file, String reason, long arrivalMillis) {
    return new RawRecord(new byte[0], file, file, arrivalMillis, null, null, STAGE_READ, reason);
  }

  /**
   * A record the source did not hold (too big): read and rejected at {@code stage}; the reason
   * says where the whole of it is.
   */
  public static RawRecord refused(String stage, String reason, String origin, long arrivalMillis) {
    return new RawRecord(new byte[0], origin, origin, arrivalMillis, null, null,
        Objects.requireNonNull(stage, "stage"), Objects.requireNonNull(reason, "reason"));
  }

  /** The stage that refused this record at its source, or null for a record to parse. */
  public String refusedStage() {
    return refusedStage;
  }

  /** Why the source refused it; null unless {@link #refusedStage()} is set. */
  public String refusedReason() {
    return refusedReason;
  }


  /**
   * What the source needs to acknowledge the record once its outcome is stored (an SQS receipt
   * handle); null for replayable sources.
   */
  public String ackId() {
    return ackId;
  }

  public static RawRecord of(byte[] payload, String origin) {
    return new RawRecord(payload, origin, origin, 0L, null);
  }

  /** The header line of the CSV file the record came from; null for other formats. */
  public String header() {
    return header;
  }

  public byte[] payload() {
    return payload;
  }

  public String origin() {
    return origin;
  }

  public String sourceId() {
    return sourceId;
  }

  public long arrivalMillis() {
    return arrivalMillis;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RawRecord)) {
      return false;
    }
    RawRecord r = (RawRecord) o;
    return arrivalMillis == r.arrivalMillis
        && Arrays.equals(payload, r.payload)
        && origin.equals(r.origin)
        && sourceId.equals(r.sourceId)
        && Objects.equals(header, r.header)
        && Objects.equals(ackId, r.ackId)
        && Objects.equals(refusedStage, r.refusedStage)
        && Objects.equals(refusedReason, r.refusedReason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(Arrays.hashCode(payload), origin, sourceId, arrivalMillis);
  }

  @Override
  public String toString() {
    // Never the payload: it may hold personal data.
    return "RawRecord{origin=" + origin + ", bytes=" + payload.length + "}";
  }

  /** A compact coder; records cross every shuffle, so no Java serialization. */
  public static final class RawRecordCoder extends AtomicCoder<RawRecord> {
    private static final RawRecordCoder INSTANCE = new RawRecordCoder();
    private static final NullableCoder<String> HEADER = NullableCoder.of(StringUtf8Coder.of());

    public static RawRecordCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(RawRecord value, OutputStream out) throws IOException {
      ByteArrayCoder.of().encode(value.payload, out);
      StringUtf8Coder.of().encode(value.origin, out);
      StringUtf8Coder.of().encode(value.sourceId, out);
      VarLongCoder.of().encode(value.arrivalMillis, out);
      HEADER.encode(value.header, out);
      HEADER.encode(value.ackId, out);
      HEADER.encode(value.refusedStage, out);
      HEADER.encode(value.refusedReason, out);
    }

    @Override
    public RawRecord decode(InputStream in) throws IOException {
      byte[] payload = ByteArrayCoder.of().decode(in);
      String origin = StringUtf8Coder.of().decode(in);
      String sourceId = StringUtf8Coder.of().decode(in);
      long arrival = VarLongCoder.of().decode(in);
      String header = HEADER.decode(in);
      String ackId = HEADER.decode(in);
      return new RawRecord(payload, origin, sourceId, arrival, header, ackId, HEADER.decode(in),
          HEADER.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
