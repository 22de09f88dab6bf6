package dev.sluice.io.files;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.core.RowEncoder;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;

/**
 * Encodes each bundle's elements into a buffer per partition and shard and spills the
 * buffers, each as one compressed member, into one temp file at a time; emits (partition,
 * (shard, member)) per member, the member as {@link SpilledMember#describe}.
 */
final class WriteBundleFn<T> extends DoFn<T, KV<String, KV<Integer, String>>> {
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
            WriteBatchTextFiles.compressed(Channels.newChannel(out.unclosable()), compression)) {
          e.getValue().writeTo(member);
        }
        SpilledMember m = new SpilledMember(file.toString(), offset, out.count - offset);
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
}
