package dev.sluice.io.files;

import dev.sluice.core.RecordSplitter;
import dev.sluice.core.model.RawRecord;
import java.util.Objects;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads local or S3 files matching a glob and cuts them into raw records, each with its file
 * and line as origin. Compressed files ({@code .gz}, {@code .zst}, ...) are read as such.
 *
 * <p>Formats whose records end at every newline (JSON lines, log lines) are read in parts: an
 * uncompressed file larger than a part is cut, at newlines, into byte ranges that workers read
 * in parallel, so a few big files keep every worker busy rather than one per file. Each range
 * knows the line it starts at (counted once, in one pass over the file), so origins stay
 * {@code file:line}. CSV files, whose quoted fields may hold newlines, and compressed files are
 * read whole, one worker each.
 *
 * <pre>{@code p.apply(ReadFiles.matching("s3://lake/events/*.jsonl").withSplitter(splitter)) }</pre>
 */
public final class ReadFiles extends PTransform<PBegin, PCollection<RawRecord>> {
  /** The parts a read aims at in all; enough to balance a few workers. */
  static final int TARGET_PARTS = 32;
  /** No part is smaller than this (but for a file's last). */
  static final long MIN_PART_BYTES = 8L << 20;

  private final String glob;
  private final RecordSplitter splitter;
  private final int targetParts;
  private final long minPartBytes;

  private ReadFiles(String glob, RecordSplitter splitter, int targetParts, long minPartBytes) {
    this.glob = glob;
    this.splitter = splitter;
    this.targetParts = targetParts;
    this.minPartBytes = minPartBytes;
  }

  public static ReadFiles matching(String glob) {
    return new ReadFiles(Objects.requireNonNull(glob, "glob"), RecordSplitter.lines(),
        TARGET_PARTS, MIN_PART_BYTES);
  }

  public ReadFiles withSplitter(RecordSplitter splitter) {
    return new ReadFiles(glob, Objects.requireNonNull(splitter, "splitter"), targetParts,
        minPartBytes);
  }

  /** Smaller parts than in production, for tests of the cutting. */
  ReadFiles withParts(int targetParts, long minPartBytes) {
    return new ReadFiles(glob, splitter, targetParts, minPartBytes);
  }

  @Override
  public PCollection<RawRecord> expand(PBegin input) {
    return input
        .apply("Glob", Create.of(glob))
        .apply("MatchAndCutFiles", ParDo.of(
            new PlanPartsFn(splitter, targetParts, minPartBytes)))
        .setCoder(FilePart.FilePartCoder.INSTANCE)
        .apply("SpreadParts", new SpreadParts())
        .apply("SplitRecords", ParDo.of(new SplitPartFn(splitter)))
        .setCoder(RawRecord.RawRecordCoder.of());
  }

}
