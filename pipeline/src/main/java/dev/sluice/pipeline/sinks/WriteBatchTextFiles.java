package dev.sluice.pipeline.sinks;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.transforms.RowEncoder;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
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
 * Batch text output (JSON lines, CSV, dead letters) without a shuffle of the elements. Each bundle writes its rows
 * straight into compressed temp files, one per partition and shard; only the temp files' names
 * are grouped by partition; then each output file is the concatenation of its temp files.
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
  /** Open temp files per bundle at most; beyond, the least recently used is closed. */
  static final int MAX_OPEN_FILES = 64;

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

  private WriteBatchTextFiles(String output, SerializableFunction<T, String> destination,
      SerializableFunction<T, String> line, RowEncoder encoder, String header, String prefix,
      String suffix, Compression compression, int numShards) {
    this.output = output;
    this.destination = destination;
    this.line = line;
    this.encoder = encoder;
    this.header = header;
    this.prefix = prefix;
    this.suffix = suffix;
    this.compression = compression;
    this.numShards = numShards;
  }

  /** Rows keyed by partition path, as JSON lines or CSV (with a header per file). */
  static WriteBatchTextFiles<KV<String, Row>> rows(String output, RowEncoder encoder,
      String prefix, String suffix, boolean csv, Compression compression, int numShards) {
    return new WriteBatchTextFiles<>(output, KV::getKey,
        csv ? kv -> encoder.csvLine(kv.getValue()) : null, encoder,
        csv ? encoder.csvHeader() : null, prefix, suffix, compression, numShards);
  }

  /** Elements as the lines {@code line} makes, into the folders {@code destination} names. */
  static <T> WriteBatchTextFiles<T> lines(String output,
      SerializableFunction<T, String> destination, SerializableFunction<T, String> line,
      String prefix, String suffix, Compression compression, int numShards) {
    return new WriteBatchTextFiles<>(output, destination, line, null, null, prefix, suffix,
        compression, numShards);
  }

  @Override
  public PCollection<KV<String, String>> expand(PCollection<T> input) {
    String temp = tempDirectory(output);
    PCollection<KV<String, String>> files =
        input
            .apply("WriteBundleFiles",
                ParDo.of(new WriteBundleFn<>(destination, line, encoder, compression, numShards,
                    temp)))
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

  /** Writes each bundle's elements into temp files; emits (partition, (shard, temp file)). */
  static final class WriteBundleFn<T> extends DoFn<T, KV<String, KV<Integer, String>>> {
    private final SerializableFunction<T, String> destination;
    private final SerializableFunction<T, String> lineFn;
    private final RowEncoder encoder;
    private final Compression compression;
    private final int numShards;
    private final String temp;
    private transient Map<KV<String, Integer>, TempFile> open;
    private transient List<KV<String, KV<Integer, String>>> closed;

    WriteBundleFn(SerializableFunction<T, String> destination,
        SerializableFunction<T, String> lineFn, RowEncoder encoder, Compression compression,
        int numShards, String temp) {
      this.destination = destination;
      this.lineFn = lineFn;
      this.encoder = encoder;
      this.compression = compression;
      this.numShards = numShards;
      this.temp = temp;
    }

    @StartBundle
    public void start() {
      open = new LinkedHashMap<>(16, 0.75f, true);
      closed = new ArrayList<>();
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
      KV<String, Integer> dest = KV.of(destination.apply(element), shard);
      TempFile file = open.get(dest);
      if (file == null) {
        if (open.size() >= MAX_OPEN_FILES) {
          Iterator<Map.Entry<KV<String, Integer>, TempFile>> eldest = open.entrySet().iterator();
          Map.Entry<KV<String, Integer>, TempFile> e = eldest.next();
          eldest.remove();
          close(e.getKey(), e.getValue());
        }
        file = new TempFile(temp, compression, lineFn != null ? null : encoder);
        open.put(dest, file);
      }
      if (line == null) {
        file.write(row(element), encoder);
      } else {
        file.write(line);
      }
    }

    /** Without a line function the elements are rows keyed by partition. */
    @SuppressWarnings("unchecked")
    private static Row row(Object element) {
      return ((KV<String, Row>) element).getValue();
    }

    private void close(KV<String, Integer> dest, TempFile file) throws IOException {
      file.close();
      closed.add(KV.of(dest.getKey(), KV.of(dest.getValue(), file.name())));
    }

    @FinishBundle
    public void finish(FinishBundleContext c) throws IOException {
      for (Map.Entry<KV<String, Integer>, TempFile> e : open.entrySet()) {
        close(e.getKey(), e.getValue());
      }
      open.clear();
      for (KV<String, KV<Integer, String>> kv : closed) {
        c.output(kv, GlobalWindow.INSTANCE.maxTimestamp(), GlobalWindow.INSTANCE);
      }
      closed.clear();
    }

    @Teardown
    public void teardown() {
      if (open != null) {
        for (TempFile f : open.values()) {
          f.abandon();
        }
      }
    }
  }

  /** One compressed temp file being written. */
  static final class TempFile {
    private final ResourceId resource;
    private final OutputStream out;
    private final JsonGenerator json;

    TempFile(String temp, Compression compression, RowEncoder jsonEncoder) throws IOException {
      this.resource = FileSystems.matchNewResource(temp, true)
          .resolve(UUID.randomUUID().toString(), StandardResolveOptions.RESOLVE_FILE);
      this.out = compressed(FileSystems.create(resource, MimeTypes.BINARY), compression);
      this.json = jsonEncoder == null ? null : jsonEncoder.jsonLines(out);
    }

    void write(Row row, RowEncoder encoder) throws IOException {
      encoder.writeJsonLine(row, json);
    }

    void write(String line) throws IOException {
      out.write(line.getBytes(StandardCharsets.UTF_8));
      out.write('\n');
    }

    String name() {
      return resource.toString();
    }

    void close() throws IOException {
      if (json != null) {
        json.close();
      }
      out.close();
    }

    void abandon() {
      try {
        close();
      } catch (IOException | RuntimeException e) {
        // A failed bundle's temp file: it is deleted with the temp folder.
      }
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
        List<String> parts = new ArrayList<>(byShard.getOrDefault(shard, List.of()));
        parts.sort(null);
        String name = naming.getFilename(GlobalWindow.INSTANCE, PaneInfo.NO_FIRING, numShards,
            shard, compression);
        ResourceId target = base.resolve(name, StandardResolveOptions.RESOLVE_FILE);
        ResourceId staged = FileSystems.matchNewResource(temp, true)
            .resolve("out-" + UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)),
                StandardResolveOptions.RESOLVE_FILE);
        try (WritableByteChannel ch = FileSystems.create(staged, MimeTypes.BINARY)) {
          if (header != null || parts.isEmpty()) {
            writeFully(ch, ByteBuffer.wrap(head));
          }
          for (String part : parts) {
            try (ReadableByteChannel in =
                FileSystems.open(FileSystems.matchNewResource(part, false))) {
              buffer.clear();
              while (in.read(buffer) >= 0) {
                buffer.flip();
                writeFully(ch, buffer);
                buffer.clear();
              }
            }
          }
        }
        FileSystems.rename(List.of(staged), List.of(target));
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
