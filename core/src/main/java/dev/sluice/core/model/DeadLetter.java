package dev.sluice.core.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/**
 * A record that could not go on, with what a person needs to act on it: the stage that refused
 * it, a reason naming the field and the problem (never the value), the origin, the original
 * payload encrypted under the feed's key ({@code sluice reveal --field=_payload} gives it back
 * for a replay), and, where the record parsed, a view of it with every personal field protected
 * exactly as in the output.
 */
@DefaultCoder(DeadLetter.DeadLetterCoder.class)
public final class DeadLetter {
  private final String feed;
  private final String stage;
  private final String reason;
  private final String origin;
  private final String payloadToken;
  private final String protectedRecord;
  private final String ackId;

  public DeadLetter(
      String feed,
      String stage,
      String reason,
      String origin,
      String payloadToken,
      String protectedRecord) {
    this(feed, stage, reason, origin, payloadToken, protectedRecord, null);
  }

  public DeadLetter(
      String feed,
      String stage,
      String reason,
      String origin,
      String payloadToken,
      String protectedRecord,
      String ackId) {
    this.feed = Objects.requireNonNull(feed, "feed");
    this.stage = Objects.requireNonNull(stage, "stage");
    this.reason = Objects.requireNonNull(reason, "reason");
    this.origin = Objects.requireNonNull(origin, "origin");
    this.payloadToken = payloadToken;
    this.protectedRecord = protectedRecord;
    this.ackId = ackId;
  }

  /** The source's acknowledgement handle of the record, where the source acknowledges. */
  public String ackId() {
    return ackId;
  }

  public String feed() {
    return feed;
  }

  public String stage() {
    return stage;
  }

  public String reason() {
    return reason;
  }

  public String origin() {
    return origin;
  }

  /** The original payload, encrypted; null only where there was no payload. */
  public String payloadToken() {
    return payloadToken;
  }

  /** JSON of the parsed record with PII protected as in the output; null if it did not parse. */
  public String protectedRecord() {
    return protectedRecord;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DeadLetter)) {
      return false;
    }
    DeadLetter d = (DeadLetter) o;
    return feed.equals(d.feed)
        && stage.equals(d.stage)
        && reason.equals(d.reason)
        && origin.equals(d.origin)
        && Objects.equals(payloadToken, d.payloadToken)
        && Objects.equals(protectedRecord, d.protectedRecord)
        && Objects.equals(ackId, d.ackId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(feed, stage, reason, origin, payloadToken, protectedRecord);
  }

  @Override
  public String toString() {
    return "DeadLetter{" + stage + " at " + origin + ": " + reason + "}";
  }

  /** Coder for dead letters. */
  public static final class DeadLetterCoder extends AtomicCoder<DeadLetter> {
    private static final DeadLetterCoder INSTANCE = new DeadLetterCoder();
    private static final StringUtf8Coder S = StringUtf8Coder.of();
    private static final NullableCoder<String> N = NullableCoder.of(StringUtf8Coder.of());

    public static DeadLetterCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(DeadLetter v, OutputStream out) throws IOException {
      S.encode(v.feed, out);
      S.encode(v.stage, out);
      S.encode(v.reason, out);
      S.encode(v.origin, out);
      N.encode(v.payloadToken, out);
      N.encode(v.protectedRecord, out);
      N.encode(v.ackId, out);
    }

    @Override
    public DeadLetter decode(InputStream in) throws IOException {
      return new DeadLetter(
          S.decode(in), S.decode(in), S.decode(in), S.decode(in), N.decode(in), N.decode(in),
          N.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
