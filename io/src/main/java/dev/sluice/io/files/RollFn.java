package dev.sluice.io.files;

import static dev.sluice.io.files.RollFiles.SEP;

import dev.sluice.io.files.RollFiles.FileBody;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
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
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Instant;

/** One open file per key; closes it by size, flush interval, idleness or end of stream. */
final class RollFn<T> extends DoFn<KV<String, T>, KV<String, List<T>>> {
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
