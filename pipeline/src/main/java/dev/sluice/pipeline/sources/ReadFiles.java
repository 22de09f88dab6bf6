package dev.sluice.pipeline.sources;

import dev.sluice.transforms.RecordSplitter;
import dev.sluice.transforms.model.RawRecord;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
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
            new PlanPartsFn(splitter.cutsAtAnyNewline(), targetParts, minPartBytes)))
        .setCoder(FilePart.FilePartCoder.INSTANCE)
        .apply("SpreadParts", new SpreadParts())
        .apply("SplitRecords", ParDo.of(new SplitPartFn(splitter)))
        .setCoder(RawRecord.RawRecordCoder.of());
  }

  /** A byte range of a file that starts at a line start, or a whole (maybe compressed) file. */
  static final class FilePart {
    final String file;
    /** Negative for a whole file, read through its compression. */
    final long start;
    final long end;
    final long firstLine;

    FilePart(String file, long start, long end, long firstLine) {
      this.file = file;
      this.start = start;
      this.end = end;
      this.firstLine = firstLine;
    }

    static FilePart whole(String file) {
      return new FilePart(file, -1, -1, 1);
    }

    boolean isWhole() {
      return start < 0;
    }

    static final class FilePartCoder extends AtomicCoder<FilePart> {
      static final FilePartCoder INSTANCE = new FilePartCoder();

      @Override
      public void encode(FilePart p, OutputStream out) throws IOException {
        StringUtf8Coder.of().encode(p.file, out);
        VarLongCoder.of().encode(p.start + 1, out);
        VarLongCoder.of().encode(p.end + 1, out);
        VarLongCoder.of().encode(p.firstLine, out);
      }

      @Override
      public FilePart decode(InputStream in) throws IOException {
        String file = StringUtf8Coder.of().decode(in);
        long start = VarLongCoder.of().decode(in) - 1;
        long end = VarLongCoder.of().decode(in) - 1;
        return new FilePart(file, start, end, VarLongCoder.of().decode(in));
      }

      @Override
      public void verifyDeterministic() {}
    }
  }

  /**
   * Matches the glob (no match fails the read) and cuts each uncompressed file into parts of
   * about {@code total / targetParts} bytes (at least {@code minPartBytes}) at the newline after
   * each cut, counting newlines on the way for each part's first line.
   */
  static final class PlanPartsFn extends DoFn<String, FilePart> {
    /** False for formats whose records may span newlines (CSV): every file is read whole. */
    private final boolean cut;
    private final int targetParts;
    private final long minPartBytes;

    PlanPartsFn(boolean cut, int targetParts, long minPartBytes) {
      this.cut = cut;
      this.targetParts = targetParts;
      this.minPartBytes = minPartBytes;
    }

    @ProcessElement
    public void process(@Element String glob, OutputReceiver<FilePart> out) throws IOException {
      MatchResult match = FileSystems.match(glob, EmptyMatchTreatment.DISALLOW);
      List<MatchResult.Metadata> files = new ArrayList<>();
      for (MatchResult.Metadata m : match.metadata()) {
        if (!m.resourceId().isDirectory()) {
          files.add(m);
        }
      }
      files.sort(Comparator.comparing(m -> m.resourceId().toString()));
      long total = 0;
      for (MatchResult.Metadata m : files) {
        total += m.sizeBytes();
      }
      long part = Math.max(minPartBytes, total / targetParts);
      for (MatchResult.Metadata m : files) {
        String name = m.resourceId().toString();
        boolean plain =
            Compression.detect(m.resourceId().getFilename()) == Compression.UNCOMPRESSED;
        if (!cut || !plain || m.sizeBytes() < 2 * part) {
          out.output(FilePart.whole(name));
          continue;
        }
        cut(m, name, part, out);
      }
    }

    private static void cut(MatchResult.Metadata m, String name, long part,
        OutputReceiver<FilePart> out) throws IOException {
      long start = 0;
      long firstLine = 1;
      long lines = 0;
      long pos = 0;
      long nextCut = part;
      byte[] buf = new byte[1 << 16];
      try (InputStream in = Channels.newInputStream(FileSystems.open(m.resourceId()))) {
        int n;
        while ((n = in.read(buf)) > 0) {
          for (int i = 0; i < n; i++) {
            if (buf[i] == '\n') {
              lines++;
              long after = pos + i + 1;
              if (after >= nextCut && m.sizeBytes() - after >= part / 2) {
                out.output(new FilePart(name, start, after, firstLine));
                start = after;
                firstLine = lines + 1;
                nextCut = after + part;
              }
            }
          }
          pos += n;
        }
      }
      out.output(new FilePart(name, start, pos, firstLine));
    }
  }

  /** Splits one part into records, with origins {@code file:line} as a whole-file read. */
  static final class SplitPartFn extends DoFn<FilePart, RawRecord> {
    private final RecordSplitter splitter;

    SplitPartFn(RecordSplitter splitter) {
      this.splitter = splitter;
    }

    @ProcessElement
    public void process(@Element FilePart part, OutputReceiver<RawRecord> out)
        throws IOException {
      long arrival = System.currentTimeMillis();
      RecordSplitter.Receiver receiver =
          (payload, line, header) -> {
            String origin = part.file + ":" + line;
            out.output(new RawRecord(payload, origin, origin, arrival, header));
          };
      ResourceId resource = FileSystems.matchNewResource(part.file, false);
      if (part.isWhole()) {
        Compression c = Compression.detect(resource.getFilename());
        try (InputStream in = Channels.newInputStream(
            c.readDecompressed(FileSystems.open(resource)))) {
          splitter.split(in, receiver);
        }
        return;
      }
      ReadableByteChannel channel = FileSystems.open(resource);
      try (InputStream in = new Bounded(Channels.newInputStream(
          seek(channel, part.start)), part.end - part.start)) {
        splitter.split(in, part.firstLine, part.start == 0, receiver);
      }
    }

    private static ReadableByteChannel seek(ReadableByteChannel channel, long position)
        throws IOException {
      if (position > 0) {
        ((SeekableByteChannel) channel).position(position);
      }
      return channel;
    }
  }

  /** At most {@code remaining} bytes of a stream. */
  static final class Bounded extends FilterInputStream {
    private long remaining;

    Bounded(InputStream in, long remaining) {
      super(in);
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }
  }
}
