package dev.sluice.cli;

import dev.sluice.feed.SluiceOptions;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.options.PipelineOptions;

/**
 * The runner of {@code sluice run} (and {@code demo}) when no {@code --runner} is given:
 * Flink, embedded in this JVM ({@code --flinkMaster=[local]}, no cluster to start), with
 * parallelism the machine's cores. On one machine it outran the DirectRunner on every batch and
 * stream measured (bench/RESULTS.md), and it keeps memory flat as input grows. Its managed
 * memory (sorting, off the heap) is sized by Beam from the free heap, so {@code JAVA_OPTS}
 * ({@code -Xmx}) sizes both. {@code --runner=DirectRunner} stays fully supported, and stays the
 * default for SQS input (see {@link #apply}).
 */
public final class DefaultRunner {
  private DefaultRunner() {}

  public static void apply(PipelineOptions options, String[] args) {
    List<String> given = Arrays.stream(args).map(a -> a.replaceFirst("=.*", "")).toList();
    if (given.contains("--runner")) {
      return;
    }
    if (options.as(SluiceOptions.class).getMetricsPort() != null) {
      // Beam's Flink runner hands its counters over only when an attached job ends, so live
      // metrics need a runner that answers while the job runs.
      return;
    }
    String input = options.as(SluiceOptions.class).getInput();
    if (input != null && input.startsWith("sqs://") && !given.contains("--flinkMaster")) {
      // Embedded Flink deletes an SQS message when the checkpoint holding its record completes,
      // and writes the record's file only after that; with no durable checkpoint to restore
      // from, a kill in between loses the record from the files. The DirectRunner deletes a
      // message only after its file is closed and its row committed, so it stays the default
      // for queues until embedded Flink keeps its checkpoints.
      return;
    }
    options.setRunner(FlinkRunner.class);
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    if (!given.contains("--flinkMaster")) {
      flink.setFlinkMaster("[local]");
    }
    if (!given.contains("--parallelism") && isEmbedded(flink.getFlinkMaster())) {
      flink.setParallelism(Runtime.getRuntime().availableProcessors());
    }
  }

  static boolean isEmbedded(String flinkMaster) {
    return flinkMaster == null || flinkMaster.equals("[local]") || flinkMaster.equals("[auto]");
  }
}
