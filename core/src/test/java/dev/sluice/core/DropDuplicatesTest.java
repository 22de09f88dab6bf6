package dev.sluice.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.sluice.core.spec.FeedSpec;
import java.util.List;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * DropDuplicates keeps the first row of a key and reports the rest; a key is remembered for
 * its TTL from its first arrival in processing time, driven here by TestStream.
 */
@RunWith(JUnit4.class)
public class DropDuplicatesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Schema SCHEMA =
      Schema.builder().addStringField("id").addInt32Field("n").addNullableStringField("note")
          .build();

  private static final Instant T0 = new Instant(
      java.time.Instant.parse("2024-03-09T00:00:00Z").toEpochMilli());

  private static Row row(String id, int n, String note) {
    return Row.withSchema(SCHEMA).addValues(id, n, note).build();
  }

  private PCollectionTuple dedupBatch(DropDuplicates d, Row... rows) {
    return p.apply(Create.of(List.of(rows)).withRowSchema(SCHEMA)).apply(d);
  }

  /** In a batch, repeats of a key are dropped and each drop reports its key. */
  @Test
  public void batchDuplicatesDropped() {
    PCollectionTuple out =
        dedupBatch(DropDuplicates.on(List.of("id")),
            row("a", 1, "x"), row("a", 1, "x"), row("b", 2, null),
            row("c", 3, "y"), row("c", 3, "y"), row("c", 3, "y"));
    PAssert.that(out.get(DropDuplicates.UNIQUE))
        .containsInAnyOrder(row("a", 1, "x"), row("b", 2, null), row("c", 3, "y"));
    PAssert.that(out.get(DropDuplicates.DUPLICATE_KEYS)).containsInAnyOrder("a", "c", "c");
    p.run();
  }

  /**
   * A batch without duplicate outputs keeps the same unique rows and still counts every drop in
   * the ledger; it outputs the unique rows only, so Flink ships them to one consumer.
   */
  @Test
  public void batchWithoutDuplicateOutputsKeepsUniqueRowsAndCounts() {
    PCollectionTuple out =
        dedupBatch(DropDuplicates.on(List.of("id")).withoutBatchDuplicates(),
            row("a", 1, "x"), row("a", 1, "x"), row("b", 2, null),
            row("c", 3, "y"), row("c", 3, "y"), row("c", 3, "y"));
    PAssert.that(out.get(DropDuplicates.UNIQUE))
        .containsInAnyOrder(row("a", 1, "x"), row("b", 2, null), row("c", 3, "y"));
    assertEquals(1, out.getAll().size());
    long duplicates = 0;
    for (org.apache.beam.sdk.metrics.MetricResult<Long> c : p.run().metrics()
        .queryMetrics(org.apache.beam.sdk.metrics.MetricsFilter.builder().build()).getCounters()) {
      if (c.getName().getName().equals(Ledger.DUPLICATES)) {
        duplicates += c.getAttempted();
      }
    }
    assertEquals(3, duplicates);
  }

  /** Rows that differ only outside the key are still duplicates: exactly one survives. */
  @Test
  public void keyDecidesNotTheWholeRow() {
    PCollectionTuple out =
        dedupBatch(DropDuplicates.on(List.of("id")), row("a", 1, "first"), row("a", 2, "second"));
    PAssert.that(out.get(DropDuplicates.UNIQUE))
        .satisfies(
            rows -> {
              int n = 0;
              for (Row r : rows) {
                n++;
                if (!"a".equals(r.getString("id"))) {
                  throw new AssertionError("unexpected " + r);
                }
              }
              if (n != 1) {
                throw new AssertionError("expected one row of key a, got " + n);
              }
              return null;
            });
    PAssert.that(out.get(DropDuplicates.DUPLICATE_KEYS)).containsInAnyOrder("a");
    p.run();
  }

  /** A composite key uses every column: (a,1) and (a,2) differ, (a,1) twice does not. */
  @Test
  public void compositeKey() {
    PCollectionTuple out =
        dedupBatch(DropDuplicates.on(List.of("id", "n")),
            row("a", 1, "x"), row("a", 2, "x"), row("a", 1, "x"), row("a1", 1, "x"));
    PAssert.that(out.get(DropDuplicates.UNIQUE))
        .containsInAnyOrder(row("a", 1, "x"), row("a", 2, "x"), row("a1", 1, "x"));
    PAssert.that(out.get(DropDuplicates.DUPLICATE_KEYS)).containsInAnyOrder("a\u00001");
    p.run();
  }

  /** Without repeats nothing is dropped and no duplicate is reported. */
  @Test
  public void noDuplicates() {
    PCollectionTuple out =
        dedupBatch(DropDuplicates.on(List.of("id")), row("a", 1, null), row("b", 1, null));
    PAssert.that(out.get(DropDuplicates.UNIQUE))
        .containsInAnyOrder(row("a", 1, null), row("b", 1, null));
    PAssert.that(out.get(DropDuplicates.DUPLICATE_KEYS)).empty();
    p.run();
  }

  private static TimestampedValue<Row> at(Row row, Instant eventTime) {
    return TimestampedValue.of(row, eventTime);
  }

  private PCollectionTuple dedupStream(TestStream<Row> events, Schema schema, DropDuplicates d) {
    return p.apply(events).setRowSchema(schema).apply(d);
  }

  /**
   * A key again after its TTL has passed on the processing-time clock is kept again, even
   * though its event time is older than the first copy's.
   */
  @Test
  public void keyAgainAfterTtlOfArrivalIsKept() {
    TestStream<Row> events =
        TestStream.create(RowCoder.of(SCHEMA))
            .addElements(at(row("k", 1, "first"), T0), at(row("other", 1, null), T0))
            .advanceProcessingTime(Duration.standardHours(1).plus(Duration.millis(1)))
            .addElements(at(row("k", 2, "after ttl"), T0.minus(Duration.standardDays(2))))
            .advanceWatermarkToInfinity();
    PCollectionTuple out =
        dedupStream(events, SCHEMA, DropDuplicates.on(List.of("id")).withTtl(Duration.standardHours(1)));
    PAssert.that(out.get(DropDuplicates.UNIQUE))
        .containsInAnyOrder(row("k", 1, "first"), row("other", 1, null),
            row("k", 2, "after ttl"));
    PAssert.that(out.get(DropDuplicates.DUPLICATE_KEYS)).empty();
    PAssert.that(out.get(DropDuplicates.DUPLICATES)).empty();
    p.run();
  }

  /**
   * A key again within the TTL of its first arrival is dropped, whatever the event times and
   * the watermark say: here the watermark has passed the first copy's event time by days.
   */
  @Test
  public void keyAgainWithinTtlOfArrivalIsDropped() {
    TestStream<Row> events =
        TestStream.create(RowCoder.of(SCHEMA))
            .advanceWatermarkTo(T0)
            .addElements(at(row("k", 1, "first"), T0))
            .advanceWatermarkTo(T0.plus(Duration.standardDays(3)))
            .advanceProcessingTime(Duration.standardMinutes(59))
            .addElements(at(row("k", 2, "within ttl"), T0.plus(Duration.standardDays(3))))
            .advanceWatermarkToInfinity();
    PCollectionTuple out =
        dedupStream(events, SCHEMA, DropDuplicates.on(List.of("id")).withTtl(Duration.standardHours(1)));
    PAssert.that(out.get(DropDuplicates.UNIQUE)).containsInAnyOrder(row("k", 1, "first"));
    PAssert.that(out.get(DropDuplicates.DUPLICATE_KEYS)).containsInAnyOrder("k");
    PAssert.that(out.get(DropDuplicates.DUPLICATES)).containsInAnyOrder(row("k", 2, "within ttl"));
    p.run();
  }

  /**
   * Shuffled event times across days, one event stamped 2099 and one 1970, and re-deliveries
   * after the outliers and hours apart (within the events feed's 24h TTL): every key once, every
   * re-delivery a duplicate. A re-delivery 25h after its first arrival is kept again.
   */
  @Test
  public void shuffledStreamWithOutliersIsExact() {
    FeedSpec spec = Fixtures.events();
    Schema schema = spec.outputSchema();
    Instant y2099 = new Instant(java.time.Instant.parse("2099-01-01T00:00:00Z").toEpochMilli());
    Instant y1970 = new Instant(0L);
    Row d3 = event(schema, "e-3", T0.plus(Duration.standardDays(2)), null);
    Row d1 = event(schema, "e-1", T0, null);
    Row future = event(schema, "e-2099", y2099, null);
    Row d2 = event(schema, "e-2", T0.plus(Duration.standardDays(1)), null);
    Row past = event(schema, "e-1970", y1970, null);
    Row d1again = event(schema, "e-1", T0, "{}");
    Row d2again = event(schema, "e-2", T0.plus(Duration.standardDays(1)), "{}");
    Row pastAgain = event(schema, "e-1970", y1970, "{}");
    Row futureAgain = event(schema, "e-2099", y2099, "{}");
    Row d3late = event(schema, "e-3", T0.plus(Duration.standardDays(2)), "[]");
    TestStream<Row> events =
        TestStream.create(RowCoder.of(schema))
            .addElements(at(d3, T0.plus(Duration.standardDays(2))),
                at(d1, T0), at(future, y2099))
            .advanceWatermarkTo(y2099)
            .addElements(at(d2, T0.plus(Duration.standardDays(1))), at(past, y1970),
                at(d1again, T0))
            .advanceProcessingTime(Duration.standardHours(5))
            .addElements(at(d2again, T0.plus(Duration.standardDays(1))), at(pastAgain, y1970),
                at(futureAgain, y2099))
            .advanceProcessingTime(Duration.standardHours(20))
            .addElements(at(d3late, T0.plus(Duration.standardDays(2))))
            .advanceWatermarkToInfinity();
    PCollectionTuple out = dedupStream(events, schema, DropDuplicates.forFeed(spec));
    PAssert.that(out.get(DropDuplicates.UNIQUE))
        .containsInAnyOrder(d3, d1, future, d2, past, d3late);
    PAssert.that(out.get(DropDuplicates.DUPLICATE_KEYS))
        .containsInAnyOrder("e-1", "e-2", "e-1970", "e-2099");
    PAssert.that(out.get(DropDuplicates.DUPLICATES))
        .containsInAnyOrder(d1again, d2again, pastAgain, futureAgain);
    p.run();
  }

  private static Row event(Schema schema, String uuid, Instant ts, String props) {
    return Row.withSchema(schema).addValues(uuid, "a:b", "a", "b", ts, props, null, null).build();
  }

  /** A key column missing from the rows is refused when the graph is built. */
  @Test
  public void unknownKeyColumnRefused() {
    p.enableAbandonedNodeEnforcement(false);
    PCollection<Row> rows = p.apply(Create.of(List.of(row("a", 1, null))).withRowSchema(SCHEMA));
    assertThrows(IllegalArgumentException.class,
        () -> rows.apply(DropDuplicates.on(List.of("uuid"))));
  }

  /** An empty key or a TTL that is not positive is refused. */
  @Test
  public void badSettingsRefused() {
    p.enableAbandonedNodeEnforcement(false);
    assertThrows(IllegalArgumentException.class, () -> DropDuplicates.on(List.of()));
    assertThrows(IllegalArgumentException.class,
        () -> DropDuplicates.on(List.of("id")).withTtl(Duration.ZERO));
  }
}
