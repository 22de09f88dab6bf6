package dev.sluice.core.normalise;

import java.util.List;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;

/**
 * Turns a feed's unique, protected rows into rows of several tables (third normal form), one
 * output per {@link NormalisedTable}. Keys are derived from natural keys, so the same input
 * always gives the same keys: a re-run or a parallel run upserts the same rows.
 *
 * <p>A normaliser does not reject: whatever could make a row unfit is its feed's
 * {@link RowCheck}, applied when the record parses. Every row in is one row of the main table
 * out, so the ledger's {@code written} counts both.
 *
 * <pre>{@code
 * PCollectionTuple tables = unique.apply(Normalisers.forSpec(spec));
 * PCollection<Row> orders = tables.get(NormaliseCafeOrders.ORDERS);
 * }</pre>
 */
public abstract class Normaliser extends PTransform<PCollection<Row>, PCollectionTuple> {
  /** The spec's {@code normalise} value that selects this normaliser. */
  public abstract String kind();

  /** The tables, in an order where every table comes after the tables it refers to. */
  public abstract List<NormalisedTable> tables();

  /**
   * The same normaliser grouping its work in {@code buckets} keys (a runner's unit of
   * parallelism); as {@code --dedupBuckets}.
   */
  public abstract Normaliser withBuckets(int buckets);
}
