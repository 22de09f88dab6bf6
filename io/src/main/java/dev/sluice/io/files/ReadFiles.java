package dev.sluice.io.files;


import dev.sluice.core.RecordSplitter;
import dev.sluice.core.model.RawRecord;
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
            new PlanPartsFn(splitter, targetParts, minPartBytes)))
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
    /** Tells a JSON document (read whole) from JSON lines by a file's first bytes. */
    private final RecordSplitter splitter;
    private final int targetParts;
    private final long minPartBytes;

    PlanPartsFn(RecordSplitter splitter, int targetParts, long minPartBytes) {
      this.cut = splitter.cutsAtAnyNewline();
      this.splitter = splitter;
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
        List<FilePart> parts = new ArrayList<>();
        try {
          cut(m, name, part, parts, splitter);
        } catch (IOException e) {
          // Gone or unreadable since it was listed: the whole-file read reports it.
          parts = List.of(FilePart.whole(name));
        }
        parts.forEach(out::output);
      }
    }

    private static void cut(MatchResult.Metadata m, String name, long part,
        List<FilePart> out, RecordSplitter splitter) throws IOException {
      long start = 0;
      long firstLine = 1;
      long lines = 0;
      long pos = 0;
      long nextCut = part;
      byte[] buf = new byte[1 << 16];
      try (InputStream in = Channels.newInputStream(FileSystems.open(m.resourceId()))) {
        int n = in.readNBytes(buf, 0, buf.length);
        if (splitter.documents(buf, n)) {
          // A JSON document's records span lines: it is read whole.
          out.add(FilePart.whole(name));
          return;
        }
        for (boolean head = true; head ? n > 0 : (n = in.read(buf)) > 0; head = false) {
          for (int i = 0; i < n; i++) {
            if (buf[i] == '\n') {
              lines++;
              long after = pos + i + 1;
              if (after >= nextCut && m.sizeBytes() - after >= part / 2) {
                out.add(new FilePart(name, start, after, firstLine));
                start = after;
                firstLine = lines + 1;
                nextCut = after + part;
              }
            }
          }
          pos += n;
        }
      }
      out.add(new FilePart(name, start, pos, firstLine));
    }
  }

  /**
   * Splits one part into records, with origins {@code file:line} as a whole-file read. A file
   * that cannot be read to its end (corrupt or truncated compression, gone since it was listed,
   * a header that matches nothing) does not stop the run: the records before the damage go on,
   * and one marker record carries the file's name and the problem to the parse step, which makes
   * it a dead letter of stage {@code read}.
   */
  static final class SplitPartFn extends DoFn<FilePart, RawRecord> {
    private final RecordSplitter splitter;

    SplitPartFn(RecordSplitter splitter) {
      this.splitter = splitter;
    }

    @ProcessElement
    public void process(@Element FilePart part, OutputReceiver<RawRecord> out) {
      long arrival = System.currentTimeMillis();
      long[] records = {0};
      RecordSplitter.Receiver receiver =
          new RecordSplitter.Receiver() {
            @Override
            public void record(byte[] payload, long line, String header) {
              String origin = part.file + ":" + line;
              records[0]++;
              out.output(new RawRecord(payload, origin, origin, arrival, header));
            }

            @Override
            public void element(byte[] payload, long index, long line) {
              // Several records may share a line (an array on one line): the index tells them
              // apart, so origins and source ids stay unique.
              String origin = part.file + ":" + line + "#" + index;
              records[0]++;
              out.output(new RawRecord(payload, origin, origin, arrival, null));
            }

            @Override
            public void oversized(long line, long startByte, long endByte, String header) {
              String origin = part.file + ":" + line;
              records[0]++;
              out.output(RawRecord.refused("parse", oversizedReason(part, line, startByte,
                  endByte, splitter.limit()), origin, arrival));
            }
          };
      String problem = null;
      try {
        read(part, receiver);
      } catch (IOException e) {
        problem = problem(e, part.isWhole() ? Compression.detect(part.file)
            : Compression.UNCOMPRESSED);
      }
      if (problem != null) {
        out.output(RawRecord.unreadableFile(part.file, "file " + part.file
            + (part.isWhole() ? "" : " (bytes " + part.start + "-" + part.end + ")") + ": "
            + problem + "; " + records[0] + " record" + (records[0] == 1 ? "" : "s")
            + " read before it, the rest not read", arrival));
      }
    }

    private void read(FilePart part, RecordSplitter.Receiver receiver) throws IOException {
      ResourceId resource = FileSystems.matchNewResource(part.file, false);
      if (part.isWhole()) {
        Compression c = Compression.detect(resource.getFilename());
        try (InputStream in = new Guarded(Channels.newInputStream(
            c.readDecompressed(FileSystems.open(resource))))) {
          splitter.split(in, receiver);
        }
        return;
      }
      ReadableByteChannel channel = FileSystems.open(resource);
      try (InputStream in = new Bounded(Channels.newInputStream(
          seek(channel, part.start)), part.end - part.start)) {
        splitter.split(in, part.firstLine, part.start == 0, part.start, receiver);
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

  /** Where an oversized record is, so it can be fetched whole (it is not copied anywhere). */
  static String oversizedReason(FilePart part, long line, long startByte, long endByte,
      long limit) {
    boolean compressed = part.isWhole()
        && Compression.detect(part.file) != Compression.UNCOMPRESSED;
    return String.format(java.util.Locale.ROOT, "record is %,d bytes, over the feed's limit of"
        + " %,d (format.max_record_bytes); the whole record is line %d of %s, bytes %d-%d%s",
        endByte - startByte, limit, line, part.file, startByte, endByte,
        compressed ? " of its decompressed content" : "");
  }

  /** The problem of an unreadable file in words: names no value, only what went wrong. */
  static String problem(IOException e, Compression compression) {
    if (e instanceof RecordSplitter.FileRefused) {
      return e.getMessage();
    }
    if (e instanceof java.io.FileNotFoundException
        || e instanceof java.nio.file.NoSuchFileException) {
      return "gone: listed, then not found when read";
    }
    if (e instanceof java.io.EOFException) {
      return "truncated: the compressed data ends early";
    }
    Throwable cause = e instanceof Unreadable && e.getCause() != null ? e.getCause() : e;
    String msg = cause.getMessage() == null ? "" : cause.getMessage();
    if (msg.length() > 160) {
      msg = msg.substring(0, 160) + "...";
    }
    String detail = cause.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg);
    if (compression != Compression.UNCOMPRESSED) {
      return "not valid " + compression.name().toLowerCase(java.util.Locale.ROOT)
          + " data (" + detail + ")";
    }
    return "cannot be read (" + detail + ")";
  }

  /** A decompressor's unchecked failure, as the IOException it is for this file. */
  static final class Unreadable extends IOException {
    Unreadable(RuntimeException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /**
   * Turns unchecked exceptions of a decompressing stream into {@link Unreadable}, so a corrupt
   * file is caught as such while errors of later steps (which the receiver may run, fused) are
   * never mistaken for it.
   */
  static final class Guarded extends FilterInputStream {
    Guarded(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (RuntimeException e) {
        throw new Unreadable(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (RuntimeException e) {
        throw new Unreadable(e);
      }
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
