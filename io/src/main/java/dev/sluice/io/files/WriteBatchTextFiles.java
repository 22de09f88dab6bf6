package dev.sluice.io.files;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.io.metrics.SinkCounters;
import dev.sluice.core.RowEncoder;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Batch text output (JSON lines, CSV, dead letters) without a shuffle of the elements. Each
 * bundle encodes its rows into a buffer per partition and shard; when the buffers hold
 * {@link #SPILL_BYTES} (and at the bundle's end) they are spilled into one temp file, each
 * buffer as one compressed member. Only the members' places (file, offset, length) are grouped
 * by partition; then each output file is the concatenation of its members.
 * Concatenated gzip members and zstd frames are one valid compressed file, which every gzip
 * and zstd reader (GZIPInputStream, zcat, Python, Beam's TextIO) reads whole.
 *
 * <p>Compared with {@code FileIO.writeDynamic().withNumShards(n)}, which groups every row by
 * destination and shard before writing, rows are written where they are: the runner neither
 * serializes nor sorts them (Flink) nor holds them all in memory (the DirectRunner). The files
 * are the same: {@link PartitionNaming} names, {@code numShards} files per partition (an empty
 * shard is an empty compressed file, with the CSV header), each written under a temp name and
 * then moved into place, replacing what a previous run wrote.
 *
 * <p>Used by {@link WritePartitionedFiles} and {@link WriteDeadLetters} for bounded, globally
 * windowed input only; windowed stream output (panes) and Parquet keep FileIO.
 */
final class WriteBatchTextFiles<T>
    extends PTransform<PCollection<T>, PCollection<KV<String, String>>> {
  /**
   * Encoded bytes a bundle buffers before it spills them into a temp file. One temp file per
   * spill, whatever the number of partitions: a temp file per partition (with 64 open at most)
   * made a new file for nearly every row once a bundle wrote more partitions than that, so the
   * cost grew with the partition count (83,000 temp files for 100,000 events).
   */
  static final long SPILL_BYTES = 32L << 20;

  private final String output;
  private final SerializableFunction<T, String> destination;
  /** The line of an element; null for rows written as JSON by {@link #encoder}. */
  private final SerializableFunction<T, String> line;
  private final RowEncoder encoder;
  private final String header;
  private final String prefix;
  private final String suffix;
  private final Compression compression;
  private final int numShards;
  private final long spillBytes;

  private WriteBatchTextFiles(String output, SerializableFunction<T, String> destination,
      SerializableFunction<T, String> line, RowEncoder encoder, String header, String prefix,
      String suffix, Compression compression, int numShards, long spillBytes) {
    this.output = output;
    this.destination = destination;
    this.line = line;
    this.encoder = encoder;
    this.header = header;
    this.prefix = prefix;
    this.suffix = suffix;
    this.compression = compression;
    this.numShards = numShards;
    this.spillBytes = spillBytes;
  }

  /** Spills after {@code bytes} of encoded lines (default {@link #SPILL_BYTES}); for tests. */
  WriteBatchTextFiles<T> withSpillBytes(long bytes) {
    return new WriteBatchTextFiles<>(output, destination, line, encoder, header, prefix, suffix,
        compression, numShards, bytes);
  }

  /** Rows keyed by partition path, as JSON lines or CSV (with a header per file). */
  static WriteBatchTextFiles<KV<String, Row>> rows(String output, RowEncoder encoder,
      String prefix, String suffix, boolean csv, Compression compression, int numShards) {
    return new WriteBatchTextFiles<>(output, KV::getKey,
        csv ? kv -> encoder.csvLine(kv.getValue()) : null, encoder,
        csv ? encoder.csvHeader() : null, prefix, suffix, compression, numShards, SPILL_BYTES);
  }

  /** Elements as the lines {@code line} makes, into the folders {@code destination} names. */
  static <T> WriteBatchTextFiles<T> lines(String output,
      SerializableFunction<T, String> destination, SerializableFunction<T, String> line,
      String prefix, String suffix, Compression compression, int numShards) {
    return new WriteBatchTextFiles<>(output, destination, line, null, null, prefix, suffix,
        compression, numShards, SPILL_BYTES);
  }

  @Override
  public PCollection<KV<String, String>> expand(PCollection<T> input) {
    String temp = tempDirectory(output);
    PCollection<KV<String, String>> files =
        input
            .apply("WriteBundleFiles",
                ParDo.of(new WriteBundleFn<>(destination, line, encoder, compression, numShards,
                    temp, spillBytes)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(),
                KvCoder.of(VarIntCoder.of(), StringUtf8Coder.of())))
            .apply("GroupByPartition", GroupByKey.create())
            .apply("ConcatenateFiles",
                ParDo.of(new ConcatenateFn(output, header, prefix, suffix, compression,
                    numShards, temp)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()));
    // Without a default: no file, no temp folder to delete (and no side input on Flink).
    files
        .apply("CountFiles",
            Combine.globally(Count.<KV<String, String>>combineFn()).withoutDefaults())
        .apply("DeleteTempFiles", ParDo.of(new DeleteTempFn(temp)));
    return files;
  }

  /** Whether {@code input} is a batch this writer takes: bounded, in the global window. */
  static boolean takes(PCollection<?> input) {
    return input.isBounded() == PCollection.IsBounded.BOUNDED
        && input.getWindowingStrategy().getWindowFn() instanceof GlobalWindows;
  }

  /** {@code <output>/.temp-sluice-<uuid>}: fixed when the graph is built, shared by workers. */
  static String tempDirectory(String output) {
    String base = output.endsWith("/") ? output : output + "/";
    return base + ".temp-sluice-" + UUID.randomUUID();
  }

  /** A compressing stream over a channel, buffered on both sides of the compressor. */
  static OutputStream compressed(WritableByteChannel channel, Compression compression)
      throws IOException {
    OutputStream raw = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
    switch (compression) {
      case UNCOMPRESSED:
        return raw;
      case GZIP:
        // Beam's Compression.GZIP uses the JDK's 512-byte buffer: one small write per block.
        return new GZIPOutputStream(raw, 1 << 16);
      default:
        return new BufferedOutputStream(
            Channels.newOutputStream(compression.writeCompressed(Channels.newChannel(raw))),
            1 << 16);
    }
  }

  /** The bytes of {@code text} as one complete compressed member (an empty one for ""). */
  static byte[] member(String text, Compression compression) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (OutputStream out = compressed(Channels.newChannel(bytes), compression)) {
      out.write(text.getBytes(StandardCharsets.UTF_8));
    }
    return bytes.toByteArray();
  }

  /**
   * Encodes each bundle's elements into a buffer per partition and shard and spills the
   * buffers, each as one compressed member, into one temp file at a time; emits (partition,
   * (shard, member)) per member, the member as {@link Member#describe}.
   */
  static final class WriteBundleFn<T> extends DoFn<T, KV<String, KV<Integer, String>>> {
    private final SerializableFunction<T, String> destination;
    private final SerializableFunction<T, String> lineFn;
    private final RowEncoder encoder;
    private final Compression compression;
    private final int numShards;
    private final String temp;
    private final long spillBytes;
    private transient Map<KV<String, Integer>, ByteArrayOutputStream> buffers;
    private transient long buffered;
    private transient List<KV<String, KV<Integer, String>>> members;
    /** One row's JSON, written by {@link #json}, then copied into its partition's buffer. */
    private transient ByteArrayOutputStream scratch;
    private transient JsonGenerator json;

    WriteBundleFn(SerializableFunction<T, String> destination,
        SerializableFunction<T, String> lineFn, RowEncoder encoder, Compression compression,
        int numShards, String temp, long spillBytes) {
      this.destination = destination;
      this.lineFn = lineFn;
      this.encoder = encoder;
      this.compression = compression;
      this.numShards = numShards;
      this.temp = temp;
      this.spillBytes = spillBytes;
    }

    @Setup
    public void setup() throws IOException {
      scratch = new ByteArrayOutputStream(1024);
      json = lineFn != null ? null : encoder.jsonLines(scratch);
    }

    @StartBundle
    public void start() {
      buffers = new LinkedHashMap<>();
      buffered = 0;
      members = new ArrayList<>();
    }

    @ProcessElement
    public void process(@Element T element) throws IOException {
      String line = null;
      int shard = 0;
      if (lineFn != null || numShards > 1) {
        line = lineFn != null ? lineFn.apply(element) : encoder.jsonLine(row(element));
        // The same line always lands in the same shard, so a re-run writes the same files.
        shard = numShards > 1 ? Math.floorMod(line.hashCode(), numShards) : 0;
      }
      ByteArrayOutputStream buffer =
          buffers.computeIfAbsent(KV.of(destination.apply(element), shard),
              k -> new ByteArrayOutputStream(4096));
      int before = buffer.size();
      if (line == null) {
        encoder.writeJsonLine(row(element), json);
        json.flush();
        scratch.writeTo(buffer);
        scratch.reset();
      } else {
        buffer.write(line.getBytes(StandardCharsets.UTF_8));
        buffer.write('\n');
      }
      buffered += buffer.size() - before;
      if (buffered >= spillBytes) {
        spill();
      }
    }

    /** Without a line function the elements are rows keyed by partition. */
    @SuppressWarnings("unchecked")
    private static Row row(Object element) {
      return ((KV<String, Row>) element).getValue();
    }

    /** Writes every buffer, as one compressed member each, into one new temp file. */
    private void spill() throws IOException {
      if (buffers.isEmpty()) {
        return;
      }
      ResourceId file = FileSystems.matchNewResource(temp, true)
          .resolve(UUID.randomUUID().toString(), StandardResolveOptions.RESOLVE_FILE);
      try (CountingStream out = new CountingStream(new BufferedOutputStream(
          Channels.newOutputStream(FileSystems.create(file, MimeTypes.BINARY)), 1 << 16))) {
        for (Map.Entry<KV<String, Integer>, ByteArrayOutputStream> e : buffers.entrySet()) {
          long offset = out.count;
          try (OutputStream member =
              compressed(Channels.newChannel(out.unclosable()), compression)) {
            e.getValue().writeTo(member);
          }
          Member m = new Member(file.toString(), offset, out.count - offset);
          members.add(KV.of(e.getKey().getKey(), KV.of(e.getKey().getValue(), m.describe())));
        }
      }
      buffers.clear();
      buffered = 0;
    }

    @FinishBundle
    public void finish(FinishBundleContext c) throws IOException {
      spill();
      for (KV<String, KV<Integer, String>> kv : members) {
        c.output(kv, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
      }
      members.clear();
    }
  }

  /** Counts the bytes written through it; {@link #unclosable} lets a member end without it. */
  static final class CountingStream extends java.io.FilterOutputStream {
    long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    /** This stream, but closing the view only flushes: a compressor's close ends its member. */
    OutputStream unclosable() {
      CountingStream self = this;
      return new OutputStream() {
        @Override
        public void write(int b) throws IOException {
          self.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
          self.write(b, off, len);
        }

        @Override
        public void close() {}
      };
    }
  }

  /** A compressed member in a temp file: {@code <offset>:<length>:<file>}. */
  static final class Member {
    final String file;
    final long offset;
    final long length;

    Member(String file, long offset, long length) {
      this.file = file;
      this.offset = offset;
      this.length = length;
    }

    String describe() {
      return offset + ":" + length + ":" + file;
    }

    static Member parse(String text) {
      int a = text.indexOf(':');
      int b = text.indexOf(':', a + 1);
      return new Member(text.substring(b + 1), Long.parseLong(text.substring(0, a)),
          Long.parseLong(text.substring(a + 1, b)));
    }
  }

  /** Writes each output file of a partition from its temp files, then moves it into place. */
  static final class ConcatenateFn
      extends DoFn<KV<String, Iterable<KV<Integer, String>>>, KV<String, String>> {
    private final String output;
    private final String header;
    private final String prefix;
    private final String suffix;
    private final Compression compression;
    private final int numShards;
    private final String temp;

    ConcatenateFn(String output, String header, String prefix, String suffix,
        Compression compression, int numShards, String temp) {
      this.output = output;
      this.header = header;
      this.prefix = prefix;
      this.suffix = suffix;
      this.compression = compression;
      this.numShards = numShards;
      this.temp = temp;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<KV<Integer, String>>> element,
        OutputReceiver<KV<String, String>> out) throws IOException {
      String partition = element.getKey();
      Map<Integer, List<String>> byShard = new TreeMap<>();
      for (KV<Integer, String> f : element.getValue()) {
        byShard.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(f.getValue());
      }
      byte[] head = member(header != null ? header + "\n" : "", compression);
      ResourceId base = FileSystems.matchNewResource(output, true);
      PartitionNaming naming = new PartitionNaming(partition, prefix, suffix);
      ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
      for (int shard = 0; shard < numShards; shard++) {
        List<Member> parts = new ArrayList<>();
        for (String d : byShard.getOrDefault(shard, List.of())) {
          parts.add(Member.parse(d));
        }
        // In file and offset order: each temp file is read front to back, once.
        parts.sort(Comparator.comparing((Member m) -> m.file).thenComparingLong(m -> m.offset));
        String name = naming.getFilename(GlobalWindow.INSTANCE, PaneInfo.NO_FIRING, numShards,
            shard, compression);
        ResourceId target = base.resolve(name, StandardResolveOptions.RESOLVE_FILE);
        ResourceId staged = FileSystems.matchNewResource(temp, true)
            .resolve("out-" + UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)),
                StandardResolveOptions.RESOLVE_FILE);
        long size = 0;
        try (WritableByteChannel ch = FileSystems.create(staged, MimeTypes.BINARY)) {
          if (header != null || parts.isEmpty()) {
            writeFully(ch, ByteBuffer.wrap(head));
            size += head.length;
          }
          SeekableByteChannel in = null;
          String open = null;
          try {
            for (Member part : parts) {
              if (!part.file.equals(open)) {
                if (in != null) {
                  in.close();
                }
                // Local files and S3 objects both open as seekable channels.
                in = (SeekableByteChannel) FileSystems.open(
                    FileSystems.matchNewResource(part.file, false));
                open = part.file;
              }
              in.position(part.offset);
              size += part.length;
              long left = part.length;
              while (left > 0) {
                buffer.clear();
                buffer.limit((int) Math.min(buffer.capacity(), left));
                int n = in.read(buffer);
                if (n < 0) {
                  throw new IOException("temp file " + part.file + " ends before its member");
                }
                left -= n;
                buffer.flip();
                writeFully(ch, buffer);
              }
            }
          } finally {
            if (in != null) {
              in.close();
            }
          }
        }
        FileSystems.rename(List.of(staged), List.of(target));
        // Counted once the file is in place, so /metrics never shows a file still in progress.
        SinkCounters.filesWritten().inc();
        SinkCounters.bytesWritten().inc(size);
        out.output(KV.of(partition, target.toString()));
      }
    }

    private static void writeFully(WritableByteChannel ch, ByteBuffer b) throws IOException {
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }
  }

  /** Deletes the temp folder once every output file is in place. */
  static final class DeleteTempFn extends DoFn<Long, Void> {
    private final String temp;

    DeleteTempFn(String temp) {
      this.temp = temp;
    }

    @ProcessElement
    public void process() throws IOException {
      ResourceId dir = FileSystems.matchNewResource(temp, true);
      String glob = dir.resolve("*", StandardResolveOptions.RESOLVE_FILE).toString();
      List<ResourceId> files = new ArrayList<>();
      for (MatchResult r : FileSystems.match(List.of(glob), EmptyMatchTreatment.ALLOW)) {
        if (r.status() == MatchResult.Status.OK) {
          for (MatchResult.Metadata m : r.metadata()) {
            files.add(m.resourceId());
          }
        }
      }
      FileSystems.delete(files, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
      try {
        // Local folders only; object stores have no folder to remove.
        FileSystems.delete(List.of(dir));
      } catch (IOException | RuntimeException e) {
        // An emptied temp folder left behind is harmless.
      }
    }
  }
}
