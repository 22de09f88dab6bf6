package dev.sluice.cli;

import dev.sluice.feed.SluiceOptions;
import dev.sluice.cli.flink.FlinkRunSetup;
import java.util.Arrays;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;

/**
 * What {@code sluice run} sets on the DirectRunner when the user did not: for every run,
 * {@code --s3UploadBufferSizeBytes} of 5 MiB (as on Flink: Beam's 64 MiB per S3 object being
 * written runs a heap dry when a bundle writes dozens of partitions); for a batch (file input),
 * {@code --enforceImmutability=false}, {@code --enforceEncodability=false} and
 * {@code --dedupBuckets=8}.
 *
 * <p>Both are test aids: the first encodes every element before and after each step to catch a
 * DoFn that changes its input, the second encodes and decodes every output to catch a coder
 * that loses data. Sluice's DoFns never change their inputs and every coder round-trips; the
 * unit tests (TestPipeline keeps both checks on) prove it. Off, a batch runs about twice as
 * fast. Pass {@code --enforceImmutability=true} or {@code --enforceEncodability=true} to turn a
 * check back on.
 */
final class DirectRunSetup {
  /**
   * Dedup buckets of a batch on the DirectRunner: it makes a bundle per bucket and input part
   * after the dedup, and every bundle costs (watermark updates, copied state, a temp file per
   * partition); 8 keep both cores busy with few bundles.
   */
  static final int DIRECT_DEDUP_BUCKETS = 8;

  private DirectRunSetup() {}

  static void apply(SluiceOptions options, String[] args) {
    if (options.getRunner() == null || !DirectRunner.class.equals(options.getRunner())) {
      return;
    }
    List<String> given = Arrays.stream(args).map(a -> a.replaceFirst("=.*", "")).toList();
    if (!given.contains("--s3UploadBufferSizeBytes")) {
      options.setS3UploadBufferSizeBytes(FlinkRunSetup.S3_UPLOAD_BUFFER_BYTES);
    }
    String input = options.getInput();
    if (input == null || input.startsWith("kinesis://") || input.startsWith("sqs://")) {
      return;
    }
    if (!given.contains("--dedupBuckets")) {
      options.setDedupBuckets(DIRECT_DEDUP_BUCKETS);
    }
    DirectOptions direct = options.as(DirectOptions.class);
    if (!given.contains("--enforceImmutability")) {
      direct.setEnforceImmutability(false);
    }
    if (!given.contains("--enforceEncodability")) {
      direct.setEnforceEncodability(false);
    }
  }
}
