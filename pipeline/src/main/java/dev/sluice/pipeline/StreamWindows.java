package dev.sluice.pipeline;

import dev.sluice.transforms.Ledger;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.AfterProcessingTime;
import org.apache.beam.sdk.transforms.windowing.AfterWatermark;
import org.apache.beam.sdk.transforms.windowing.FixedWindows;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.transforms.windowing.Window;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.joda.time.Duration;

/**
 * Windowing of streams: fixed event-time windows that fire when the watermark passes, and
 * again for rows that come later (a later pane, so a file of its own). Lateness is allowed for
 * ten years: a late row is never dropped.
 */
public final class StreamWindows {
  /** Late panes fire this long after their first row, so late rows come in few files. */
  public static final Duration LATE_DELAY = Duration.standardSeconds(5);
  public static final Duration ALLOWED_LATENESS = Duration.standardDays(3650);

  private StreamWindows() {}

  public static <T> Window<T> fixed(Duration size) {
    return Window.<T>into(FixedWindows.of(size))
        .triggering(
            AfterWatermark.pastEndOfWindow()
                .withLateFirings(
                    AfterProcessingTime.pastFirstElementInPane().plusDelayOf(LATE_DELAY)))
        .withAllowedLateness(ALLOWED_LATENESS)
        .discardingFiredPanes();
  }

  /** Counts the rows that arrive in late panes, for the ledger. */
  public static final class CountLate<T> extends PTransform<PCollection<T>, PDone> {
    @Override
    public PDone expand(PCollection<T> input) {
      input
          .apply("CountPerPane", Combine.globally(Count.<T>combineFn()).withoutDefaults())
          .apply("AddLatePanes", ParDo.of(new AddLateFn()));
      return PDone.in(input.getPipeline());
    }
  }

  static final class AddLateFn extends DoFn<Long, Void> {
    @ProcessElement
    public void process(@Element Long count, PaneInfo pane) {
      if (pane.getTiming() == PaneInfo.Timing.LATE) {
        Ledger.late().inc(count);
      }
    }
  }
}
