package dev.sluice.io.files;

import java.io.IOException;
import java.io.Serializable;
import java.nio.channels.WritableByteChannel;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;

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

}
