package dev.sluice.feed;

import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The DirectRunner blocks in {@code run()} by default; a stream, or a run that is watched, is
 * followed instead, so it must return at once. Set by name: the DirectRunner may not be on the
 * class path.
 */
public final class BlockOnRun {
  private BlockOnRun() {}

  public static void off(PipelineOptions options) {
    try {
      Class<? extends PipelineOptions> direct =
          Class.forName("org.apache.beam.runners.direct.DirectOptions")
              .asSubclass(PipelineOptions.class);
      PipelineOptions d = options.as(direct);
      direct.getMethod("setBlockOnRun", boolean.class).invoke(d, false);
    } catch (ReflectiveOperationException | RuntimeException e) {
      // Not on the classpath: another runner, which does not block.
    }
  }
}
