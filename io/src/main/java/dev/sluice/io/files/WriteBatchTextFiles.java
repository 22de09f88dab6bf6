package dev.sluice.io.files;

import dev.sluice.core.RowEncoder;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
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
import org.apache.beam.sdk.transforms.windowing.GlobalWindows;
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
