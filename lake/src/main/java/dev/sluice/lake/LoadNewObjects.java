package dev.sluice.lake;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * One pass over the lake as a Beam step: a single element starts a single {@link DoFn} call
 * that lists the prefix and loads what is new, one object after the other, in landing order.
 * One element means one call on one worker, on any runner, so loads never overlap or reorder;
 * the log rows come out as the step's output.
 *
 * <pre>{@code PCollection<LoadRecord> rows = p.apply(LoadNewObjects.with(config)); }</pre>
 */
public final class LoadNewObjects extends PTransform<PBegin, PCollection<LoadRecord>> {
  private final LakeConfig config;

  private LoadNewObjects(LakeConfig config) {
    this.config = config;
  }

  public static LoadNewObjects with(LakeConfig config) {
    return new LoadNewObjects(Objects.requireNonNull(config, "config"));
  }

  @Override
  public PCollection<LoadRecord> expand(PBegin begin) {
    return begin
        .apply("StartPass", Create.of(config.runId))
        .apply("LoadInLandingOrder", ParDo.of(new LoadPassFn(config)))
        .setCoder(SerializableCoder.of(LoadRecord.class));
  }

  /** Lists and loads; counts objects and rows by outcome. */
  static final class LoadPassFn extends DoFn<String, LoadRecord> {
    private final LakeConfig config;
    private final Counter loaded = Metrics.counter("lake", "objects_loaded");
    private final Counter rejected = Metrics.counter("lake", "objects_rejected");
    private final Counter failed = Metrics.counter("lake", "objects_failed");
    private final Counter rows = Metrics.counter("lake", "rows_loaded");
    private final Counter badRows = Metrics.counter("lake", "rows_rejected");

    LoadPassFn(LakeConfig config) {
      this.config = config;
    }

    @ProcessElement
    public void process(PipelineOptions options, OutputReceiver<LoadRecord> out) {
      List<LoadRecord> results = new ArrayList<>();
      try (LakeStore store = LakeStore.of(config.input, options.as(S3Options.class))) {
        new LakePass(config).run(store, results::add);
      }
      // Emitted outside the work above, so nothing downstream can fail a load.
      for (LoadRecord r : results) {
        count(r);
        out.output(r);
      }
    }

    private void count(LoadRecord r) {
      switch (r.status) {
        case LoadRecord.LOADED:
          loaded.inc();
          break;
        case LoadRecord.REJECTED:
          rejected.inc();
          break;
        default:
          failed.inc();
          break;
      }
      rows.inc(r.rowsLoaded);
      badRows.inc(r.rowsRejected);
    }
  }
}
