package dev.sluice.io.streams;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.io.Read;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * Reads an unbounded source a batch of records per element, then unbatches them. The
 * DirectRunner reads an unbounded source ten elements per bundle and schedules every bundle
 * through its executor: one record per element capped a stream at a few records a second on a
 * busy machine. A batch holds what the reader has ready, up to {@code maxBatch}; checkpoints and
 * watermarks are the wrapped reader's own, so nothing else changes.
 *
 * <pre>{@code p.apply(ReadInBatches.of(new SqsSource(...), 500)) }</pre>
 */
public final class ReadInBatches<T> extends PTransform<PBegin, PCollection<T>> {
  private final UnboundedSource<T, ?> source;
  private final int maxBatch;

  private ReadInBatches(UnboundedSource<T, ?> source, int maxBatch) {
    this.source = source;
    this.maxBatch = maxBatch;
  }

  public static <T> ReadInBatches<T> of(UnboundedSource<T, ?> source, int maxBatch) {
    if (maxBatch < 1) {
      throw new IllegalArgumentException("maxBatch must be at least 1");
    }
    return new ReadInBatches<>(source, maxBatch);
  }

  @Override
  public PCollection<T> expand(PBegin input) {
    return input
        .apply("ReadBatches", Read.from(new Batched<>(source, maxBatch)))
        .apply("Unbatch", ParDo.of(new UnbatchFn<T>()))
        .setCoder(source.getOutputCoder());
  }

  static final class UnbatchFn<T> extends DoFn<List<TimestampedValue<T>>, T> {
    @ProcessElement
    public void process(@Element List<TimestampedValue<T>> batch, OutputReceiver<T> out) {
      for (TimestampedValue<T> v : batch) {
        out.outputWithTimestamp(v.getValue(), v.getTimestamp());
      }
    }

    /** A batch is stamped with its earliest record; the others are later, never earlier. */
    @Override
    public Duration getAllowedTimestampSkew() {
      return Duration.ZERO;
    }
  }

  /** The wrapped source, a batch per element. */
  static final class Batched<T, C extends UnboundedSource.CheckpointMark>
      extends UnboundedSource<List<TimestampedValue<T>>, C> {
    private final UnboundedSource<T, C> inner;
    private final int maxBatch;

    Batched(UnboundedSource<T, C> inner, int maxBatch) {
      this.inner = inner;
      this.maxBatch = maxBatch;
    }

    @Override
    public List<Batched<T, C>> split(int desiredNumSplits, PipelineOptions options)
        throws Exception {
      List<Batched<T, C>> out = new ArrayList<>();
      for (UnboundedSource<T, C> s : inner.split(desiredNumSplits, options)) {
        out.add(new Batched<>(s, maxBatch));
      }
      return out;
    }

    @Override
    public UnboundedReader<List<TimestampedValue<T>>> createReader(PipelineOptions options,
        C checkpointMark) throws IOException {
      return new BatchReader<>(this, inner.createReader(options, checkpointMark));
    }

    @Override
    public Coder<C> getCheckpointMarkCoder() {
      return inner.getCheckpointMarkCoder();
    }

    @Override
    public Coder<List<TimestampedValue<T>>> getOutputCoder() {
      return ListCoder.of(TimestampedValue.TimestampedValueCoder.of(inner.getOutputCoder()));
    }
  }

  static final class BatchReader<T> extends HoldingReader<List<TimestampedValue<T>>> {
    private final Batched<T, ?> source;
    private final UnboundedSource.UnboundedReader<T> inner;

    BatchReader(Batched<T, ?> source, UnboundedSource.UnboundedReader<T> inner) {
      this.source = source;
      this.inner = inner;
    }

    @Override
    public boolean start() throws IOException {
      return inner.start() ? collect() : none();
    }

    @Override
    public boolean advance() throws IOException {
      return inner.advance() ? collect() : none();
    }

    private boolean none() {
      return holdNothing();
    }

    /** The record the inner reader is at, and what else it has ready, up to the batch size. */
    private boolean collect() throws IOException {
      List<TimestampedValue<T>> batch = new ArrayList<>();
      Instant min = inner.getCurrentTimestamp();
      batch.add(TimestampedValue.of(inner.getCurrent(), min));
      while (batch.size() < source.maxBatch && inner.advance()) {
        Instant t = inner.getCurrentTimestamp();
        batch.add(TimestampedValue.of(inner.getCurrent(), t));
        if (t.isBefore(min)) {
          min = t;
        }
      }
      return hold(batch, min);
    }

    @Override
    public Instant getWatermark() {
      return inner.getWatermark();
    }

    @Override
    public UnboundedSource.CheckpointMark getCheckpointMark() {
      return inner.getCheckpointMark();
    }

    @Override
    public UnboundedSource<List<TimestampedValue<T>>, ?> getCurrentSource() {
      return source;
    }

    @Override
    public void close() throws IOException {
      inner.close();
    }
  }
}
