package dev.sluice.core;

import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import java.util.Objects;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Applies each field's PII action (hash, encrypt, mask; dropped fields never got this far) and
 * renames fields to their output columns. It runs before dedup so that no raw personal value
 * reaches a shuffle, runner state or a checkpoint.
 *
 * <pre>{@code rows.apply(ProtectPii.of(spec).withProtector(protector)) }</pre>
 */
public final class ProtectPii extends PTransform<PCollection<Row>, PCollection<Row>> {
  private final FeedSpec spec;
  private final Protector protector;

  private ProtectPii(FeedSpec spec, Protector protector) {
    this.spec = spec;
    this.protector = protector;
  }

  public static ProtectPii of(FeedSpec spec) {
    return new ProtectPii(Objects.requireNonNull(spec, "spec"), null);
  }

  public ProtectPii withProtector(Protector protector) {
    return new ProtectPii(spec, Objects.requireNonNull(protector, "protector"));
  }

  @Override
  public PCollection<Row> expand(PCollection<Row> input) {
    if (protector == null) {
      throw new IllegalStateException("ProtectPii needs withProtector(...)");
    }
    RecordProtector rp = new RecordProtector(spec, protector);
    return input
        .apply("ProtectFields", ParDo.of(new ProtectFn(rp)))
        .setRowSchema(rp.outputSchema());
  }

  static final class ProtectFn extends DoFn<Row, Row> {
    private final RecordProtector protector;

    ProtectFn(RecordProtector protector) {
      this.protector = protector;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<Row> out) {
      out.output(protector.protect(row));
    }
  }
}
