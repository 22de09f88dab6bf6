package dev.sluice.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;

import dev.sluice.core.spec.FeedSpec;
import java.time.LocalDate;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Keys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Partition paths from templates: dates in UTC, ISO weeks, nulls, and values encoded so that
 * data can never add a folder or climb out of one. The transform has no dead-letter output; its
 * pipeline tests check the rows travel unchanged beside their keys.
 */
@RunWith(JUnit4.class)
public class AssignPartitionsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final FeedSpec EVENTS = Fixtures.events();
  private static final Schema OUT = EVENTS.outputSchema();

  private static Instant at(String iso) {
    return new Instant(java.time.Instant.parse(iso).toEpochMilli());
  }

  private static Row event(String uuid, String type, Instant createdAt) {
    String name = type == null ? "x" : type + ":sub";
    return Row.withSchema(OUT).addValues(uuid, name, type, "sub", createdAt, null, null, null)
        .build();
  }

  private PCollection<KV<String, Row>> assign(String template, Row... rows) {
    return p.apply(Create.of(List.of(rows)).withRowSchema(OUT))
        .apply(AssignPartitions.withTemplate(template));
  }

  /** The events template puts a row at event_type=account/dt=2024-03-09 (UTC date). */
  @Test
  public void eventsTemplate() {
    Row late = event("e-1", "account", at("2024-03-09T23:59:59Z"));
    Row next = event("e-2", "payment", at("2024-03-10T00:00:00Z"));
    Row early = event("e-3", "account", at("2024-03-09T00:00:00Z"));
    PCollection<KV<String, Row>> out =
        p.apply(Create.of(List.of(late, next, early)).withRowSchema(OUT))
            .apply(AssignPartitions.forFeed(EVENTS));
    PAssert.that(out)
        .containsInAnyOrder(
            KV.of("event_type=account/dt=2024-03-09", late),
            KV.of("event_type=payment/dt=2024-03-10", next),
            KV.of("event_type=account/dt=2024-03-09", early));
    PAssert.that(out.apply(Keys.create()))
        .containsInAnyOrder("event_type=account/dt=2024-03-09",
            "event_type=payment/dt=2024-03-10", "event_type=account/dt=2024-03-09");
    p.run();
  }

  /** Slashes, dot-dot, spaces, percent and non-ASCII in values are percent-encoded. */
  @Test
  public void hostileValuesAreEncoded() {
    Instant t = at("2024-03-09T12:00:00Z");
    Row slash = event("e-1", "a/b", t);
    Row climb = event("e-2", "..", t);
    Row climbPath = event("e-3", "../../etc", t);
    Row space = event("e-4", "two words", t);
    Row accent = event("e-5", "café", t);
    Row cjk = event("e-6", "日", t);
    Row emoji = event("e-7", "😀", t);
    Row percent = event("e-8", "%2F", t);
    Row bucket = event("e-9", "s3://other", t);
    Row empty = event("e-10", "", t);
    PCollection<KV<String, Row>> out =
        assign("t={event_type}", slash, climb, climbPath, space, accent, cjk, emoji, percent,
            bucket, empty);
    PAssert.that(out)
        .containsInAnyOrder(
            KV.of("t=a%2Fb", slash),
            KV.of("t=%2E%2E", climb),
            KV.of("t=..%2F..%2Fetc", climbPath),
            KV.of("t=two%20words", space),
            KV.of("t=caf%C3%A9", accent),
            KV.of("t=%E6%97%A5", cjk),
            KV.of("t=%F0%9F%98%80", emoji),
            KV.of("t=%252F", percent),
            KV.of("t=s3%3A%2F%2Fother", bucket),
            KV.of("t=" + AssignPartitions.EMPTY_VALUE, empty));
    PAssert.that(out.apply(Keys.create()))
        .satisfies(
            keys -> {
              for (String k : keys) {
                if (!k.matches("t=[A-Za-z0-9_.%-]+") || k.equals("t=..")) {
                  throw new AssertionError("unsafe path " + k);
                }
              }
              return null;
            });
    p.run();
  }

  /** iso_week gives the ISO week-based year: 2024-12-30 is 2025-W01, 2024-12-29 is 2024-W52. */
  @Test
  public void isoWeek() {
    Row monday = event("e-1", "a", at("2024-12-30T12:00:00Z"));
    Row sunday = event("e-2", "a", at("2024-12-29T23:59:59Z"));
    Row week53 = event("e-3", "a", at("2021-01-03T00:00:00Z"));
    PCollection<KV<String, Row>> out = assign("w={created_at:iso_week}", monday, sunday, week53);
    PAssert.that(out)
        .containsInAnyOrder(
            KV.of("w=2025-W01", monday), KV.of("w=2024-W52", sunday), KV.of("w=2020-W53", week53));
    PAssert.that(out.apply(Keys.create()))
        .containsInAnyOrder("w=2025-W01", "w=2024-W52", "w=2020-W53");
    p.run();
  }

  /**
   * Rows of one day in a row: a day pattern gives each the day's folder, an hour pattern each
   * its own hour (a per-day shortcut must not hand the first hour to the others).
   */
  @Test
  public void sameDayRowsByDayAndByHour() {
    Row h01 = event("e-1", "a", at("2024-03-09T01:15:00Z"));
    Row h02 = event("e-2", "a", at("2024-03-09T02:15:00Z"));
    Row h23 = event("e-3", "a", at("2024-03-09T23:15:00Z"));
    Row next = event("e-4", "a", at("2024-03-10T00:15:00Z"));
    PCollection<KV<String, Row>> hours =
        assign("h={created_at:yyyy-MM-dd'T'HH}/d={created_at:yyyy-MM-dd}", h01, h02, h23, next);
    PAssert.that(hours.apply(Keys.create()))
        .containsInAnyOrder("h=2024-03-09T01/d=2024-03-09", "h=2024-03-09T02/d=2024-03-09",
            "h=2024-03-09T23/d=2024-03-09", "h=2024-03-10T00/d=2024-03-10");
    p.run();
  }

  @Test
  public void dayPatterns() {
    assertEquals(true, AssignPartitions.PathTemplate.dayPattern("yyyy-MM-dd"));
    assertEquals(true, AssignPartitions.PathTemplate.dayPattern("iso_week"));
    assertEquals(true, AssignPartitions.PathTemplate.dayPattern("yyyy'H'MM"));
    assertEquals(false, AssignPartitions.PathTemplate.dayPattern("yyyy-MM-dd'T'HH"));
    assertEquals(false, AssignPartitions.PathTemplate.dayPattern("mm"));
  }

  /** A null value, plain or with a date pattern, becomes __null__. */
  @Test
  public void nullValue() {
    Row noType = event("e-1", null, at("2024-03-09T12:00:00Z"));
    Row noTime = event("e-2", "account", null);
    PCollection<KV<String, Row>> out = assign("event_type={event_type}/dt={created_at:yyyy-MM-dd}",
        noType, noTime);
    PAssert.that(out)
        .containsInAnyOrder(
            KV.of("event_type=__null__/dt=2024-03-09", noType),
            KV.of("event_type=account/dt=__null__", noTime));
    PAssert.that(out.apply(Keys.create()))
        .containsInAnyOrder("event_type=__null__/dt=2024-03-09", "event_type=account/dt=__null__");
    p.run();
  }

  /** A date column takes patterns too, and an empty template puts every row in one place. */
  @Test
  public void dateColumnAndEmptyTemplate() {
    Schema s = Schema.builder().addNullableField("day", Schema.FieldType.logicalType(SqlTypes.DATE))
        .addInt32Field("n").build();
    Row r = Row.withSchema(s).addValues(LocalDate.of(2024, 2, 29), 1).build();
    PCollection<Row> rows = p.apply(Create.of(List.of(r)).withRowSchema(s));
    PCollection<KV<String, Row>> byDay =
        rows.apply("ByDay", AssignPartitions.withTemplate("y={day:yyyy}/d={day}"));
    PCollection<KV<String, Row>> whole = rows.apply("Whole", AssignPartitions.withTemplate(""));
    PAssert.that(byDay).containsInAnyOrder(KV.of("y=2024/d=2024-02-29", r));
    PAssert.that(whole).containsInAnyOrder(KV.of("", r));
    p.run();
  }

  /** A template naming a column the rows lack is refused when the graph is built. */
  @Test
  public void unknownColumnRefused() {
    p.enableAbandonedNodeEnforcement(false);
    PCollection<Row> rows =
        p.apply(Create.of(List.of(event("e-1", "a", at("2024-03-09T00:00:00Z"))))
            .withRowSchema(OUT));
    assertThrows(IllegalArgumentException.class,
        () -> rows.apply(AssignPartitions.withTemplate("x={nope}")));
  }

  /** encode leaves safe names alone and never yields '.', '..' or a '/'. */
  @Test
  public void encodeUnit() {
    assertEquals("abc_XYZ-1.2", AssignPartitions.encode("abc_XYZ-1.2"));
    assertEquals("%2E", AssignPartitions.encode("."));
    assertEquals("%2E%2E", AssignPartitions.encode(".."));
    assertEquals("a%5Cb", AssignPartitions.encode("a\\b"));
    assertEquals("%0A", AssignPartitions.encode("\n"));
    assertEquals(AssignPartitions.EMPTY_VALUE, AssignPartitions.encode(""));
  }

  /**
   * A value too long for a folder name (250 characters) is cut to 200 bytes with a hash of the
   * whole appended: stable, distinct for values that share the cut prefix, and never equal to an
   * encoded value, which cannot hold '~'.
   */
  @Test
  public void longValuesAreShortenedWithAStableHash() throws Exception {
    String a = "x".repeat(249) + "a";
    String b = "x".repeat(249) + "b";
    String ea = AssignPartitions.encode(a);
    assertEquals(AssignPartitions.MAX_VALUE_BYTES, ea.length());
    assertEquals(ea, AssignPartitions.encode(a));
    assertNotEquals(ea, AssignPartitions.encode(b));
    // Expected suffix worked out here from the documented rule: SHA-256 of the whole encoded
    // value, first 8 bytes in hex.
    byte[] d = java.security.MessageDigest.getInstance("SHA-256")
        .digest(a.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals("x".repeat(183) + "~" + java.util.HexFormat.of().formatHex(d, 0, 8), ea);
    // Multi-byte text: the cut never splits a %XX escape.
    String e = AssignPartitions.encode("\u00e9".repeat(120));
    assertTrue(e, e.substring(0, e.indexOf('~')).matches("(%[0-9A-F]{2})+"));
    assertEquals(200, AssignPartitions.encode("x".repeat(200)).length());
    assertEquals("x".repeat(200), AssignPartitions.encode("x".repeat(200)));
  }
}
