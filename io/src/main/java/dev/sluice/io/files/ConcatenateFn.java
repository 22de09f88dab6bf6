package dev.sluice.io.files;

import dev.sluice.io.metrics.SinkCounters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;

/** Writes each output file of a partition from its temp files, then moves it into place. */
final class ConcatenateFn
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
    byte[] head = WriteBatchTextFiles.member(header != null ? header + "\n" : "", compression);
    ResourceId base = FileSystems.matchNewResource(output, true);
    PartitionNaming naming = new PartitionNaming(partition, prefix, suffix);
    ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
    for (int shard = 0; shard < numShards; shard++) {
      List<SpilledMember> parts = new ArrayList<>();
      for (String d : byShard.getOrDefault(shard, List.of())) {
        parts.add(SpilledMember.parse(d));
      }
      // In file and offset order: each temp file is read front to back, once.
      parts.sort(Comparator.comparing((SpilledMember m) -> m.file).thenComparingLong(m -> m.offset));
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
          for (SpilledMember part : parts) {
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
