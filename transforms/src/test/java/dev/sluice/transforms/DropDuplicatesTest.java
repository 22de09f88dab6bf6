package dev.sluice.transforms;

import static org.junit.Assert.assertThrows;

import dev.sluice.transforms.spec.FeedSpec;
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
 * its TTL in event time, driven here by TestStream watermarks.
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

  /** A key seen again after its TTL has passed in event time is emitted again. */
  @Test
  public void keyAgainAfterTtlIsKept() {
    TestStream<Row> events =
        TestStream.create(RowCoder.of(SCHEMA))
            .advanceWatermarkTo(T0)
            .addElements(TimestampedValue.of(row("k", 1, "first"), T0),
                TimestampedValue.of(row("other", 1, null), T0))
            .advanceWatermarkTo(T0.plus(Duration.standardHours(1)).plus(Duration.millis(1)))
            .addElements(TimestampedValue.of(row("k", 2, "after ttl"),
                T0.plus(Duration.standardHours(2))))
            .advanceWatermarkToInfinity();
    PCollectionTuple out =
        p.apply(events).setRowSchema(SCHEMA)
            .apply(DropDuplicates.on(List.of("id")).withTtl(Duration.standardHours(1)));
    PAssert.that(out.get(DropDuplicates.UNIQUE))
        .containsInAnyOrder(row("k", 1, "first"), row("other", 1, null),
            row("k", 2, "after ttl"));
    PAssert.that(out.get(DropDuplicates.DUPLICATE_KEYS)).empty();
    p.run();
  }

  /** A key seen again within its TTL is dropped, even after the watermark has moved on. */
  @Test
  public void keyAgainWithinTtlIsDropped() {
    TestStream<Row> events =
        TestStream.create(RowCoder.of(SCHEMA))
            .advanceWatermarkTo(T0)
            .addElements(TimestampedValue.of(row("k", 1, "first"), T0))
            .advanceWatermarkTo(T0.plus(Duration.standardMinutes(50)))
            .addElements(TimestampedValue.of(row("k", 2, "within ttl"),
                T0.plus(Duration.standardMinutes(55))))
            .advanceWatermarkToInfinity();
    PCollectionTuple out =
        p.apply(events).setRowSchema(SCHEMA)
            .apply(DropDuplicates.on(List.of("id")).withTtl(Duration.standardHours(1)));
    PAssert.that(out.get(DropDuplicates.UNIQUE)).containsInAnyOrder(row("k", 1, "first"));
    PAssert.that(out.get(DropDuplicates.DUPLICATE_KEYS)).containsInAnyOrder("k");
    p.run();
  }

  /** The events feed's 24h TTL: a replay 23h later is dropped, one 25h later kept. */
  @Test
  public void eventsFeedTtlOfOneDay() {
    FeedSpec spec = Fixtures.events();
    Schema schema = spec.outputSchema();
    Row first = Row.withSchema(schema)
        .addValues("e-1", "a:b", "a", "b", T0, null, null, null).build();
    Row replay23h = Row.withSchema(schema)
        .addValues("e-1", "a:b", "a", "b", T0.plus(Duration.standardHours(23)), "{}", null, null)
        .build();
    Row replay25h = Row.withSchema(schema)
        .addValues("e-1", "a:b", "a", "b", T0.plus(Duration.standardHours(25)), "[]", null, null)
        .build();
    TestStream<Row> events =
        TestStream.create(RowCoder.of(schema))
            .advanceWatermarkTo(T0)
            .addElements(TimestampedValue.of(first, T0))
            .advanceWatermarkTo(T0.plus(Duration.standardHours(23)))
            .addElements(TimestampedValue.of(replay23h, T0.plus(Duration.standardHours(23))))
            .advanceWatermarkTo(T0.plus(Duration.standardHours(25)))
            .addElements(TimestampedValue.of(replay25h, T0.plus(Duration.standardHours(25))))
            .advanceWatermarkToInfinity();
    PCollectionTuple out =
        p.apply(events).setRowSchema(schema).apply(DropDuplicates.forFeed(spec));
    PAssert.that(out.get(DropDuplicates.UNIQUE)).containsInAnyOrder(first, replay25h);
    PAssert.that(out.get(DropDuplicates.DUPLICATE_KEYS)).containsInAnyOrder("e-1");
    p.run();
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
