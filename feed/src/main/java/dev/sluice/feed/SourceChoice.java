package dev.sluice.feed;

import static dev.sluice.feed.OptionValues.duration;

import dev.sluice.core.RecordSplitter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.io.SluiceException;
import dev.sluice.io.aws.Aws;
import dev.sluice.io.files.ReadFiles;
import dev.sluice.io.streams.EventTimeWatermark;
import dev.sluice.io.streams.ReadInBatches;
import dev.sluice.io.streams.ReadKinesis;
import dev.sluice.io.streams.SqsAcker;
import dev.sluice.io.streams.SqsSource;
import java.io.IOException;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

/**
 * A run's source, by the kind of {@code --input}: matching files, a Kinesis stream, or an SQS
 * queue together with the acker that deletes a message once its row is stored.
 *
 * <pre>{@code p.apply("Read", SourceChoice.of(input, spec, options).source); }</pre>
 */
final class SourceChoice {
  /** The longest visibility timeout SQS takes: 12 hours. */
  static final int MAX_VISIBILITY_SECONDS = 43_200;

  final PTransform<PBegin, PCollection<RawRecord>> source;
  /** Null but for SQS. */
  final SqsAcker acker;
  /** The spec as the source reads it: SQS adds the column its acker needs. */
  final FeedSpec spec;
  /** {@code --quietPeriod}: how long a stream must be still to count as drained. */
  final Duration quiet;
  final Duration outOfOrder;
  final boolean stopWhenDrained;

  private SourceChoice(PTransform<PBegin, PCollection<RawRecord>> source, SqsAcker acker,
      FeedSpec spec, Duration quiet, Duration outOfOrder, boolean stopWhenDrained) {
    this.source = source;
    this.acker = acker;
    this.spec = spec;
    this.quiet = quiet;
    this.outOfOrder = outOfOrder;
    this.stopWhenDrained = stopWhenDrained;
  }

  static SourceChoice of(Input input, FeedSpec spec, SluiceOptions options) {
    Duration quiet = duration(options.getQuietPeriod(), "--quietPeriod");
    Duration outOfOrder = duration(options.getMaxOutOfOrder(), "--maxOutOfOrder");
    boolean stop = Boolean.TRUE.equals(options.getStopWhenDrained());
    PTransform<PBegin, PCollection<RawRecord>> source;
    SqsAcker acker = null;
    switch (input.kind) {
      case KINESIS:
        source = ReadKinesis.stream(input.name)
            .withAws(Aws.forService("kinesis"))
            .withInitialPosition(options.getInitialPosition())
            .withWatermark(new EventTimeWatermark(spec, outOfOrder, quiet, stop));
        break;
      case SQS:
        spec = spec.withAckColumn();
        Aws sqs = Aws.forService("sqs");
        String queueUrl = input.queueUrl(sqs);
        int visibility = visibilityTimeout(options.getVisibilityTimeout(),
            deleteAtCheckpoints(options),
            duration(options.getFlushInterval(), "--flushInterval"));
        SqsSource sqsSource = new SqsSource(sqs, queueUrl, visibility,
            new EventTimeWatermark(spec, outOfOrder, quiet, stop));
        if (deleteAtCheckpoints(options)) {
          sqsSource = sqsSource.deletingAtCheckpoints();
          acker = SqsAcker.deferredToCheckpoints(sqs, queueUrl);
        } else {
          acker = new SqsAcker(sqs, queueUrl);
        }
        source = ReadInBatches.of(sqsSource, 500);
        break;
      case FILES:
      default:
        checkInputMatches(input.name);
        source = ReadFiles.matching(input.name).withSplitter(RecordSplitter.forFeed(spec));
        break;
    }
    return new SourceChoice(source, acker, spec, quiet, outOfOrder, stop);
  }

  /**
   * {@code --sqsDelete}: "store" or "checkpoint"; the latter only on Flink, whose completed
   * checkpoints follow every step's finished bundle (the DirectRunner finalizes a checkpoint
   * before the rows are stored, which would delete messages whose rows are not stored yet).
   */
  static boolean deleteAtCheckpoints(SluiceOptions options) {
    String mode = options.getSqsDelete();
    if (mode == null || mode.equals("store")) {
      return false;
    }
    if (!mode.equals("checkpoint")) {
      throw new SluiceException("--sqsDelete=" + mode + ": expected store or checkpoint");
    }
    // By name: this module does not depend on Flink (FlinkRunner, or the submit-only runner a
    // jar run inside a Flink cluster uses).
    String runner = options.getRunner() == null ? "" : options.getRunner().getName();
    if (!runner.contains("Flink")) {
      throw new SluiceException("--sqsDelete=checkpoint needs --runner=FlinkRunner (the "
          + runner.substring(runner.lastIndexOf('.') + 1)
          + " would delete messages before their rows are stored)");
    }
    return true;
  }

  /**
   * The SQS visibility timeout. Deleting at store, a record waits in its open file for up to the
   * flush interval before its row is stored and its message deleted; the message must stay
   * invisible that long and as long again, or it comes again meanwhile and its first receipt
   * handle no longer deletes it. Deleting at checkpoints, the Flink setup checks it against the
   * checkpoint interval.
   */
  static int visibilityTimeout(Integer given, boolean atCheckpoints, Duration flush) {
    if (atCheckpoints) {
      return given == null ? 60 : given;
    }
    long needed = flush.getStandardSeconds() + Math.max(10, flush.getStandardSeconds());
    if (needed > MAX_VISIBILITY_SECONDS) {
      throw new SluiceException("--flushInterval=" + flush.getStandardSeconds() + "s is too long"
          + " for SQS: a message is deleted only after its file closes, and SQS keeps a message"
          + " invisible for at most 12 h; give at most 6h");
    }
    if (given == null) {
      return (int) needed;
    }
    if (given < needed) {
      throw new SluiceException("--visibilityTimeout=" + given + " is too short for"
          + " --flushInterval=" + flush.getStandardSeconds() + "s: a message is deleted only"
          + " after its file closes; give at least " + needed + " (twice the flush interval, at least it plus 10 s)"
          + " or a shorter --flushInterval");
    }
    return given;
  }

  private static void checkInputMatches(String input) {
    List<MatchResult> results;
    try {
      results = FileSystems.match(List.of(input), EmptyMatchTreatment.ALLOW);
    } catch (IOException | RuntimeException e) {
      throw new SluiceException("--input=" + input + ": cannot be listed (" + SluiceException.rootCause(e) + ")");
    }
    for (MatchResult r : results) {
      if (r.status() == MatchResult.Status.NOT_FOUND) {
        throw new SluiceException("--input=" + input + ": no files match");
      }
      List<MatchResult.Metadata> files;
      try {
        // A listing that failed (status ERROR: refused credentials, no such bucket, ...)
        // throws its cause here; it must not read as an empty match.
        files = r.metadata();
      } catch (IOException e) {
        throw new SluiceException("--input=" + input + ": cannot be listed (" + SluiceException.rootCause(e)
            + ")");
      }
      if (files.isEmpty()) {
        throw new SluiceException("--input=" + input + ": no files match");
      }
    }
  }
}
