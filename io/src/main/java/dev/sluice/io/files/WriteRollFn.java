package dev.sluice.io.files;

import static dev.sluice.io.files.RollFiles.SEP;

import dev.sluice.io.files.RollFiles.FileBody;
import dev.sluice.io.metrics.SinkCounters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/**
 * Writes a roll's file. Stable input: on Flink the roll is in a completed checkpoint before
 * the file is written, so a retry writes exactly the same file.
 */
final class WriteRollFn<T> extends DoFn<KV<String, List<T>>, T> {
  private static final Counter FILES = Metrics.counter(RollFiles.class, "files");
  private final String output;
  private final FileBody<T> body;
  private final String prefix;
  private final int numShards;
  private final boolean emitWritten;

  WriteRollFn(String output, FileBody<T> body, String prefix, int numShards,
      boolean emitWritten) {
    this.output = output;
    this.body = body;
    this.prefix = prefix;
    this.numShards = numShards;
    this.emitWritten = emitWritten;
  }

  @RequiresStableInput
  @ProcessElement
  public void process(@Element KV<String, List<T>> roll, OutputReceiver<T> out)
      throws IOException {
    String relative = fileName(roll.getKey(), prefix, numShards, body.suffix());
    long size = write(output, relative, roll.getValue(), body);
    FILES.inc();
    // Counted once the file is in place, so /metrics never shows a file still in progress.
    SinkCounters.filesWritten().inc();
    SinkCounters.bytesWritten().inc(size);
    if (emitWritten) {
      for (T t : roll.getValue()) {
        out.output(t);
      }
    }
  }

  private static final DateTimeFormatter OPENED =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC);

  /** The file's path below the output for a roll's identity. */
  static String fileName(String rollId, String prefix, int numShards, String suffix) {
    String[] p = rollId.split(String.valueOf(SEP), -1);
    String partition = p[0];
    int shard = Integer.parseInt(p[1]);
    long opened = Long.parseLong(p[2]);
    long roll = Long.parseLong(p[3]);
    StringBuilder name = new StringBuilder();
    if (!partition.isEmpty()) {
      name.append(partition).append('/');
    }
    // A clock before 1970 or after 9999 (a test's) gets its milliseconds instead of a date.
    String at = opened >= 0 && opened < 253_402_300_800_000L
        ? OPENED.format(java.time.Instant.ofEpochMilli(opened)) : "m" + opened;
    name.append(prefix).append('-').append(at)
        .append(String.format(Locale.ROOT, "-r%04d-%05d-of-%05d", roll, shard, numShards))
        .append(suffix);
    return name.toString();
  }

  /**
   * Writes the items to {@code <output>/<relative>}: whole, or (locally) not at all. Returns the
   * file's size in bytes (as written, after compression).
   */
  static <T> long write(String output, String relative, Iterable<T> items, FileBody<T> body)
      throws IOException {
    String base = output.endsWith("/") ? output : output + "/";
    ResourceId target = FileSystems.matchNewResource(base + relative, false);
    boolean local = !output.contains("://") || output.startsWith("file://");
    if (!local) {
      // S3: the object appears only when the upload completes.
      CountingChannel ch = new CountingChannel(FileSystems.create(target, MimeTypes.BINARY));
      body.write(items, ch);
      return ch.bytes;
    }
    ResourceId dir = target.getCurrentDirectory();
    ResourceId temp = dir.resolve("." + target.getFilename() + ".inprogress",
        ResolveOptions.StandardResolveOptions.RESOLVE_FILE);
    CountingChannel ch = new CountingChannel(FileSystems.create(temp, MimeTypes.BINARY));
    body.write(items, ch);
    FileSystems.rename(List.of(temp), List.of(target),
        MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    return ch.bytes;
  }

  /** Counts the bytes a file body writes, without asking the file system afterwards. */
  static final class CountingChannel implements WritableByteChannel {
    private final WritableByteChannel inner;
    long bytes;

    CountingChannel(WritableByteChannel inner) {
      this.inner = inner;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = inner.write(src);
      bytes += n;
      return n;
    }

    @Override
    public boolean isOpen() {
      return inner.isOpen();
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }
}
