package dev.sluice.io.files;

import dev.sluice.io.metrics.SinkCounters;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.util.MimeTypes;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Writes a stream's items into rolling files per partition and shard, the way Firehose
 * buffering hints and Kafka Connect's flush size and rotate interval do: a partition's items
 * go into its open file until the file reaches {@code fileSize} bytes (before compression) or
 * has been open for {@code flushInterval} of processing time, and a drained stream (the
 * watermark at the end of time) closes every open file. Nothing here looks at event time or the
 * watermark otherwise: a late record simply goes into its partition's next file.
 *
 * <p>An open file is runner state (a bag per partition and shard, in every checkpoint on Flink);
 * a roll becomes one element, file name and items, and the file is written by a step with
 * stable input: on Flink that step runs only once the checkpoint holding the roll has
 * completed, so a restore replays the very same roll and rewrites the same name with the same
 * items, and rolls after the restored checkpoint were never written. Names are
 * {@code <partition>/<prefix>-<opened>-<roll>-<shard>-of-<n><suffix>}: the processing time the
 * file was opened and the partition's roll count come from that state, so they are the same
 * after a restore and new in a new run. A local file is written under a hidden name and renamed;
 * an S3 object appears whole when its upload completes.
 *
 * <p>The output holds each written item once its file is closed, for steps that may act only
 * then (deleting SQS messages), when asked for with {@link #emittingWritten}.
 *
 * <pre>{@code
 * rows.apply(RollFiles.to("s3://lake/events", FileBody.text(...)).withPrefix("events")
 *     .withFileSize(128 << 20).withFlushInterval(Duration.standardMinutes(5)))
 * }</pre>
 */
public final class RollFiles<T> extends PTransform<PCollection<KV<String, T>>, PCollection<T>> {
  /** How a file's items become bytes. */
  public interface FileBody<T> extends Serializable {
    /** The item's size in the file before compression (an estimate is fine). */
    long sizeOf(T item);

    /** Writes the items, whole, and closes the channel. */
    void write(Iterable<T> items, WritableByteChannel channel) throws IOException;

    /** The file name's suffix, e.g. {@code .jsonl.gz}. */
    String suffix();
  }

  private final String output;
  private final FileBody<T> body;
  private final String prefix;
  private final int numShards;
  private final long fileSize;
  private final Duration flushInterval;
  private final Duration closeWhenIdle;
  private final boolean emitWritten;

  private RollFiles(String output, FileBody<T> body, String prefix, int numShards, long fileSize,
      Duration flushInterval, Duration closeWhenIdle, boolean emitWritten) {
    this.output = output;
    this.body = body;
    this.prefix = prefix;
    this.numShards = numShards;
    this.fileSize = fileSize;
    this.flushInterval = flushInterval;
    this.closeWhenIdle = closeWhenIdle;
    this.emitWritten = emitWritten;
  }

  /** Default: 128 MiB files, flushed after 5 minutes, one shard. */
  public static <T> RollFiles<T> to(String output, FileBody<T> body) {
    return new RollFiles<>(Objects.requireNonNull(output, "output"), Objects.requireNonNull(body),
        "part", 1, 128L << 20, Duration.standardMinutes(5), null, false);
  }

  public RollFiles<T> withPrefix(String prefix) {
    return new RollFiles<>(output, body, Objects.requireNonNull(prefix), numShards, fileSize,
        flushInterval, closeWhenIdle, emitWritten);
  }

  public RollFiles<T> withNumShards(int numShards) {
    if (numShards < 1) {
      throw new IllegalArgumentException("numShards must be at least 1");
    }
    return new RollFiles<>(output, body, prefix, numShards, fileSize, flushInterval,
        closeWhenIdle, emitWritten);
  }

  public RollFiles<T> withFileSize(long bytes) {
    if (bytes < 1) {
      throw new IllegalArgumentException("file size must be at least 1 byte");
    }
    return new RollFiles<>(output, body, prefix, numShards, bytes, flushInterval, closeWhenIdle,
        emitWritten);
  }

  public RollFiles<T> withFlushInterval(Duration interval) {
    if (!interval.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("flush interval must be positive");
    }
    return new RollFiles<>(output, body, prefix, numShards, fileSize, interval, closeWhenIdle,
        emitWritten);
  }

  /**
   * Also closes a file that has had nothing new for this long: for runs that stop when drained
   * and whose source waits for written items before it can tell it is drained (SQS).
   */
  public RollFiles<T> closingWhenIdleFor(Duration idle) {
    return new RollFiles<>(output, body, prefix, numShards, fileSize, flushInterval, idle,
        emitWritten);
  }

  /** Outputs every item once its file is closed. */
  public RollFiles<T> emittingWritten() {
    return new RollFiles<>(output, body, prefix, numShards, fileSize, flushInterval,
        closeWhenIdle, true);
  }

  @Override
  public PCollection<T> expand(PCollection<KV<String, T>> input) {
    @SuppressWarnings("unchecked")
    Coder<T> coder = ((KvCoder<String, T>) input.getCoder()).getValueCoder();
    PCollection<KV<String, T>> keyed =
        input.apply("KeyByPartitionAndShard", ParDo.of(new ShardFn<>(body, numShards)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), coder));
    PCollection<KV<String, List<T>>> rolls =
        keyed.apply("RollBySizeAndTime", ParDo.of(new RollFn<>(coder, body, fileSize,
                flushInterval.getMillis(), closeWhenIdle == null ? 0 : closeWhenIdle.getMillis())))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ListCoder.of(coder)));
    return rolls.apply("WriteRolls",
            ParDo.of(new WriteRollFn<>(output, body, prefix, numShards, emitWritten)))
        .setCoder(coder);
  }

  static final char SEP = '\u0000';

  /** Keys an item by its partition and a shard picked from its bytes' hash (so replays agree). */
  static final class ShardFn<T> extends DoFn<KV<String, T>, KV<String, T>> {
    private final FileBody<T> body;
    private final int numShards;

    ShardFn(FileBody<T> body, int numShards) {
      this.body = body;
      this.numShards = numShards;
    }

    @ProcessElement
    public void process(@Element KV<String, T> e, OutputReceiver<KV<String, T>> out) {
      int shard = numShards == 1 ? 0 : Math.floorMod(e.getValue().hashCode(), numShards);
      out.output(KV.of(e.getKey() + SEP + shard, e.getValue()));
    }
  }

  /** One open file per key; closes it by size, flush interval, idleness or end of stream. */
  static final class RollFn<T> extends DoFn<KV<String, T>, KV<String, List<T>>> {
    private static final Counter ROLLS = Metrics.counter(RollFiles.class, "rolls");
    private final FileBody<T> body;
    private final long fileSize;
    private final long flushMillis;
    private final long idleMillis;

    @StateId("items")
    private final StateSpec<BagState<T>> itemsSpec;

    @StateId("bytes")
    private final StateSpec<ValueState<Long>> bytesSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("openedAt")
    private final StateSpec<ValueState<Long>> openedAtSpec = StateSpecs.value(VarLongCoder.of());

    @StateId("rolls")
    private final StateSpec<ValueState<Long>> rollsSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("flush")
    private final TimerSpec flushSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    @TimerId("end")
    private final TimerSpec endSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

    RollFn(Coder<T> coder, FileBody<T> body, long fileSize, long flushMillis, long idleMillis) {
      this.itemsSpec = StateSpecs.bag(coder);
      this.body = body;
      this.fileSize = fileSize;
      this.flushMillis = flushMillis;
      this.idleMillis = idleMillis;
    }

    @ProcessElement
    public void process(
        @Element KV<String, T> e,
        @StateId("items") BagState<T> items,
        @StateId("bytes") ValueState<Long> bytes,
        @StateId("openedAt") ValueState<Long> openedAt,
        @StateId("rolls") ValueState<Long> rolls,
        @TimerId("flush") Timer flush,
        @TimerId("end") Timer end,
        OutputReceiver<KV<String, List<T>>> out) {
      long now = flush.getCurrentRelativeTime().getMillis();
      Long opened = openedAt.read();
      if (opened == null) {
        opened = now;
        openedAt.write(now);
        end.set(GlobalWindow.INSTANCE.maxTimestamp());
        if (idleMillis == 0) {
          flush.set(new Instant(now + flushMillis));
        }
      }
      if (idleMillis > 0) {
        flush.set(new Instant(Math.min(now + idleMillis, opened + flushMillis)));
      }
      items.add(e.getValue());
      Long had = bytes.read();
      long size = (had == null ? 0 : had) + body.sizeOf(e.getValue());
      if (size >= fileSize) {
        roll(e.getKey(), items, bytes, openedAt, rolls, flush, out);
      } else {
        bytes.write(size);
      }
    }

    @OnTimer("flush")
    public void onFlush(
        @Key String key,
        @StateId("items") BagState<T> items,
        @StateId("bytes") ValueState<Long> bytes,
        @StateId("openedAt") ValueState<Long> openedAt,
        @StateId("rolls") ValueState<Long> rolls,
        @TimerId("flush") Timer flush,
        OutputReceiver<KV<String, List<T>>> out) {
      roll(key, items, bytes, openedAt, rolls, flush, out);
    }

    @OnTimer("end")
    public void onEnd(
        @Key String key,
        @StateId("items") BagState<T> items,
        @StateId("bytes") ValueState<Long> bytes,
        @StateId("openedAt") ValueState<Long> openedAt,
        @StateId("rolls") ValueState<Long> rolls,
        @TimerId("flush") Timer flush,
        OutputReceiver<KV<String, List<T>>> out) {
      roll(key, items, bytes, openedAt, rolls, flush, out);
    }

    private void roll(String key, BagState<T> items, ValueState<Long> bytes,
        ValueState<Long> openedAt, ValueState<Long> rolls, Timer flush,
        OutputReceiver<KV<String, List<T>>> out) {
      Long opened = openedAt.read();
      List<T> all = new ArrayList<>();
      for (T t : items.read()) {
        all.add(t);
      }
      items.clear();
      bytes.clear();
      openedAt.clear();
      flush.clear();
      if (opened == null || all.isEmpty()) {
        return;
      }
      Long n = rolls.read();
      long roll = n == null ? 0 : n;
      rolls.write(roll + 1);
      ROLLS.inc();
      // The roll's identity: key, opening time and count, all from state.
      out.output(KV.of(key + SEP + opened + SEP + roll, all));
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
   * Writes a roll's file. Stable input: on Flink the roll is in a completed checkpoint before
   * the file is written, so a retry writes exactly the same file.
   */
  static final class WriteRollFn<T> extends DoFn<KV<String, List<T>>, T> {
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
