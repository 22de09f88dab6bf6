package dev.sluice.core;

import dev.sluice.core.spec.FeedSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.SetState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Keeps the first row of each key and counts the rest. A batch remembers every key for the whole
 * run; a stream remembers a key for the TTL from its first arrival, in processing time (see
 * {@link FirstArrivalInBucketFn}). The memory is runner state (checkpointed on Flink); across
 * runs, the sinks' upsert on the same key does the rest.
 *
 * <pre>{@code
 * PCollectionTuple d = rows.apply(DropDuplicates.on(List.of("event_uuid")).withTtl(ttl));
 * PCollection<Row> unique = d.get(DropDuplicates.UNIQUE);
 * }</pre>
 */
public final class DropDuplicates extends PTransform<PCollection<Row>, PCollectionTuple> {
  public static final TupleTag<Row> UNIQUE = new TupleTag<Row>() {};
  /** The keys of the rows that were dropped, one element per duplicate. */
  public static final TupleTag<String> DUPLICATE_KEYS = new TupleTag<String>() {};
  /** The dropped rows themselves, for sources that must still acknowledge them. */
  public static final TupleTag<Row> DUPLICATES = new TupleTag<Row>() {};

  private final List<String> keyColumns;
  private final Duration ttl;
  private final int buckets;
  private final boolean duplicatesOut;

  private DropDuplicates(List<String> keyColumns, Duration ttl, int buckets,
      boolean duplicatesOut) {
    this.keyColumns = keyColumns;
    this.ttl = ttl;
    this.buckets = buckets;
    this.duplicatesOut = duplicatesOut;
  }

  public static DropDuplicates on(List<String> keyColumns) {
    if (keyColumns == null || keyColumns.isEmpty()) {
      throw new IllegalArgumentException("DropDuplicates needs at least one key column");
    }
    return new DropDuplicates(List.copyOf(keyColumns), Duration.standardHours(24), BUCKETS,
        true);
  }

  public static DropDuplicates forFeed(FeedSpec spec) {
    return on(spec.dedupColumns()).withTtl(spec.dedupTtl);
  }

  public DropDuplicates withTtl(Duration ttl) {
    Objects.requireNonNull(ttl, "ttl");
    if (!ttl.isLongerThan(Duration.ZERO)) {
      throw new IllegalArgumentException("dedup TTL must be positive");
    }
    return new DropDuplicates(keyColumns, ttl, buckets, duplicatesOut);
  }

  /**
   * A batch whose duplicates nobody stores: the output holds {@link #UNIQUE} only (duplicates
   * are still counted in the ledger). Why it matters: Flink's batch translation ends every
   * output nobody reads in a discarding sink, so each output is a consumer of the step, and a
   * step with several consumers ships every element, encoded, to each of them: the unique rows
   * were encoded and decoded three times, twice for nothing. Streams keep every output.
   */
  public DropDuplicates withoutBatchDuplicates() {
    return new DropDuplicates(keyColumns, ttl, buckets, false);
  }

  /**
   * How many buckets a batch's keys are grouped in (default {@link #BUCKETS}). Each bucket is
   * one key to the runner: Flink wants enough to spread over its parallelism; the DirectRunner
   * makes a bundle per bucket and input bundle, and runs best with a few.
   */
  public DropDuplicates withBatchBuckets(int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("dedup buckets must be at least 1");
    }
    return new DropDuplicates(keyColumns, ttl, buckets, duplicatesOut);
  }

  @Override
  public PCollectionTuple expand(PCollection<Row> input) {
    Schema schema = input.getSchema();
    for (String k : keyColumns) {
      if (!schema.hasField(k)) {
        throw new IllegalArgumentException("dedup key column '" + k + "' is not in the rows");
      }
    }
    List<String> cols = keyColumns;
    if (input.isBounded() == PCollection.IsBounded.BOUNDED) {
      return expandBatch(input, schema, cols);
    }
    // A stream: keys in buckets too, each key with the processing time it first arrived.
    PCollection<KV<Integer, Row>> keyed =
        input
            .apply("KeyByDedupKeyBucket", ParDo.of(new BucketFn(cols, buckets)))
            .setCoder(KvCoder.of(VarIntCoder.of(), SchemaCoder.of(schema)));
    PCollectionTuple out =
        keyed.apply(
            "KeepFirstOfKey",
            ParDo.of(new FirstArrivalInBucketFn(cols, ttl))
                .withOutputTags(UNIQUE, TupleTagList.of(DUPLICATE_KEYS).and(DUPLICATES)));
    out.get(UNIQUE).setRowSchema(schema);
    out.get(DUPLICATE_KEYS).setCoder(StringUtf8Coder.of());
    out.get(DUPLICATES).setRowSchema(schema);
    return out;
  }

  /**
   * A batch (bounded input) remembers every key for the whole run: its watermark reaches the
   * end of time only after the last row, so no key's TTL can run out before then. Keys are
   * therefore grouped into {@link #BUCKETS} buckets by a plain GroupByKey, and each bucket's rows
   * pass through one set of the keys seen: runners then handle a few hundred keys, not one per
   * row. A GroupByKey rather than a stateful DoFn: the DirectRunner runs a stateful DoFn in a
   * bundle per key and input bundle (thousands of tiny bundles, each re-translating every later
   * step), but a GroupByKey's output in one bundle per key.
   */
  private PCollectionTuple expandBatch(PCollection<Row> input, Schema schema, List<String> cols) {
    PCollection<KV<Integer, Iterable<Row>>> grouped =
        input
            .apply("KeyByDedupKeyBucket", ParDo.of(new BucketFn(cols, buckets)))
            .setCoder(KvCoder.of(VarIntCoder.of(), SchemaCoder.of(schema)))
            .apply("GroupBuckets", GroupByKey.create());
    PCollectionTuple out =
        grouped.apply(
            "KeepFirstOfKey",
            ParDo.of(new FirstOfKeyInBucketFn(cols, duplicatesOut))
                .withOutputTags(UNIQUE, duplicatesOut
                    ? TupleTagList.of(DUPLICATE_KEYS).and(DUPLICATES) : TupleTagList.empty()));
    out.get(UNIQUE).setRowSchema(schema);
    if (duplicatesOut) {
      out.get(DUPLICATE_KEYS).setCoder(StringUtf8Coder.of());
      out.get(DUPLICATES).setRowSchema(schema);
    }
    return out;
  }

  /** Buckets of a batch dedup by default: enough to spread over any sensible parallelism. */
  public static final int BUCKETS = 256;

  /** The bucket of a key: a mix of its (specified, so stable) String hash. */
  static int bucketOf(String key, int buckets) {
    return Math.floorMod(key.hashCode() * 0x9E3779B9, buckets);
  }

  static final class BucketFn extends DoFn<Row, KV<Integer, Row>> {
    private final List<String> cols;
    private final int buckets;

    BucketFn(List<String> cols, int buckets) {
      this.cols = cols;
      this.buckets = buckets;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<Integer, Row>> out) {
      out.output(KV.of(bucketOf(keyOf(row, cols), buckets), row));
    }
  }

  /**
   * One bucket's rows: the first of each key is unique, the rest are duplicates. The key is
   * worked out again here rather than shipped: fewer bytes through the shuffle. The set lives
   * for one bucket only, so memory is a bucket's keys, not the run's.
   */
  static final class FirstOfKeyInBucketFn extends DoFn<KV<Integer, Iterable<Row>>, Row> {
    private final List<String> cols;
    private final boolean duplicatesOut;

    FirstOfKeyInBucketFn(List<String> cols, boolean duplicatesOut) {
      this.cols = cols;
      this.duplicatesOut = duplicatesOut;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Row>> bucket, MultiOutputReceiver out) {
      Set<String> seen = new HashSet<>();
      long duplicates = 0;
      for (Row row : bucket.getValue()) {
        String key = keyOf(row, cols);
        if (!seen.add(key)) {
          duplicates++;
          if (duplicatesOut) {
            out.get(DUPLICATE_KEYS).output(key);
            out.get(DUPLICATES).output(row);
          }
          continue;
        }
        out.get(UNIQUE).output(row);
      }
      if (duplicates > 0) {
        Ledger.duplicates().inc(duplicates);
      }
    }
  }

  /** Key columns' text joined by a separator that cannot occur in a checked value. */
  static String keyOf(Row row, List<String> cols) {
    if (cols.size() == 1) {
      return String.valueOf(RowText.of(row.getValue(cols.get(0))));
    }
    StringBuilder b = new StringBuilder();
    for (String c : cols) {
      if (b.length() > 0) {
        b.append('\u0000');
      }
      b.append(RowText.of(row.getValue(c)));
    }
    return b.toString();
  }

  /**
   * A stream's dedup: a key is a duplicate when it arrives again within the TTL of its first
   * arrival, measured on the processing-time clock of the runner (the state's own clock), never
   * on event time or the watermark: a stream shuffled across days, or one record stamped 2099,
   * changes nothing. Each bucket maps its keys to their first arrival; the decision compares
   * that arrival with now, so it is exact whenever the sweep runs. The sweep (a processing-time
   * timer per bucket) only forgets keys whose TTL has run out, to bound the state. On Flink the
   * map is keyed state, so it is part of every checkpoint.
   */
  static final class FirstArrivalInBucketFn extends DoFn<KV<Integer, Row>, Row> {
    private final List<String> cols;
    private final long ttlMillis;

    @StateId("firstArrival")
    private final StateSpec<MapState<String, Long>> firstArrivalSpec =
        StateSpecs.map(StringUtf8Coder.of(), VarLongCoder.of());

    @StateId("sweepAt")
    private final StateSpec<ValueState<Long>> sweepAtSpec = StateSpecs.value(VarLongCoder.of());

    @TimerId("sweep")
    private final TimerSpec sweepSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

    FirstArrivalInBucketFn(List<String> cols, Duration ttl) {
      this.cols = cols;
      this.ttlMillis = ttl.getMillis();
    }

    @ProcessElement
    public void process(
        @Element KV<Integer, Row> element,
        @StateId("firstArrival") MapState<String, Long> firstArrival,
        @StateId("sweepAt") ValueState<Long> sweepAt,
        @TimerId("sweep") Timer sweep,
        MultiOutputReceiver out) {
      Row row = element.getValue();
      String key = keyOf(row, cols);
      long now = sweep.getCurrentRelativeTime().getMillis();
      Long first = firstArrival.get(key).read();
      if (first != null && now - first < ttlMillis) {
        Ledger.duplicates().inc();
        out.get(DUPLICATE_KEYS).output(key);
        out.get(DUPLICATES).output(row);
        return;
      }
      firstArrival.put(key, now);
      if (sweepAt.read() == null) {
        scheduleSweep(sweep, sweepAt, now + ttlMillis);
      }
      out.get(UNIQUE).output(row);
    }

    @OnTimer("sweep")
    public void sweep(
        @StateId("firstArrival") MapState<String, Long> firstArrival,
        @StateId("sweepAt") ValueState<Long> sweepAt,
        @TimerId("sweep") Timer sweep) {
      long now = sweep.getCurrentRelativeTime().getMillis();
      long oldestKept = Long.MAX_VALUE;
      List<String> expired = new java.util.ArrayList<>();
      for (Map.Entry<String, Long> e : firstArrival.entries().read()) {
        if (now - e.getValue() >= ttlMillis) {
          expired.add(e.getKey());
        } else {
          oldestKept = Math.min(oldestKept, e.getValue());
        }
      }
      for (String k : expired) {
        firstArrival.remove(k);
      }
      sweepAt.clear();
      if (oldestKept != Long.MAX_VALUE) {
        // Not sooner than a tenth of the TTL: a busy bucket is swept a few times per TTL.
        scheduleSweep(sweep, sweepAt, Math.max(oldestKept + ttlMillis, now + ttlMillis / 10));
      }
    }

    private static void scheduleSweep(Timer sweep, ValueState<Long> sweepAt, long at) {
      sweep.withNoOutputTimestamp().set(new Instant(at));
      sweepAt.write(at);
    }
  }
}
