package dev.sluice.core.weblogs;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.fail;

import dev.sluice.core.AssignPartitions;
import dev.sluice.core.DeadLetters;
import dev.sluice.core.Fixtures;
import dev.sluice.core.ParseRecords;
import dev.sluice.core.ProtectPii;
import dev.sluice.core.model.DeadLetter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.SpecException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Combined-format access logs through the shipped weblogs spec: fields and UTC times, nulls
 * for "-", client ip and user encrypted (and revealed with the key), daily and ISO-week
 * partitions, and a dead letter for each kind of broken line.
 */
@RunWith(JUnit4.class)
public class WeblogsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final FeedSpec SPEC = Fixtures.shippedSpec("weblogs");
  private static final Protector PROTECTOR = new Protector(Fixtures.keys());

  private static final String[] GOOD = {
    "203.0.113.9 - alice [10/Oct/2024:13:55:36 -0700] \"GET /api/v1/items?id=7 HTTP/1.1\" 200"
        + " 2326 \"https://example.com/\" \"Mozilla/5.0 (X11; Linux x86_64)\"",
    "2001:db8::7 - - [29/Dec/2024:17:06:38 -0700] \"GET /api/v1/items/318 HTTP/2.0\" 304 -"
        + " \"-\" \"curl/8.5.0\"",
    "203.0.113.9 - svc-reporting [29/Dec/2024:15:43:28 -0700] \"POST /api/v1/orders HTTP/1.1\""
        + " 201 18590 \"-\" \"agent \\\"quoted\\\" 1.0\"",
    "198.51.100.23 - - [01/Jan/2025:00:28:35 +0100] \"DELETE /api/v1/items/922 HTTP/1.1\" 404"
        + " 33451 \"https://www.google.com/\" \"okhttp/4.12.0\"",
  };

  private static final String[][] BROKEN = {
    {"198.51.100.77 - - [29/Dec/2024:19:12:45 -0700] \"\\x16\\x03\\x01\\x00\\xfc\\x01\" 400 157"
        + " \"-\" \"-\"", "parse", "line does not match the feed's pattern"},
    {"203.0.113.50 - - [30/Dec/2024:04:00:01 -0700] \"-\" 408 0 \"-\" \"-\"",
        "parse", "line does not match the feed's pattern"},
    {"192.0.2.14 - - [31/Dec/2024:23:59:59 -0700] \"GET /api/v1/items?page=3 HTT",
        "parse", "line does not match the feed's pattern"},
    {"203.0.113.9 - alice [31/Dec/2024:25:10:00 -0700] \"GET /health HTTP/1.1\" 200 12 \"-\""
        + " \"curl/8.5.0\"",
        "validate", "field 'ts': expected a timestamp (dd/MMM/yyyy:HH:mm:ss Z), got text that is"
        + " not"},
  };

  private static List<RawRecord> records(List<String> lines) {
    List<RawRecord> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      out.add(RawRecord.of(lines.get(i).getBytes(StandardCharsets.UTF_8),
          "/logs/access.log:" + (i + 1)));
    }
    return out;
  }

  private static String text(Row r) {
    StringBuilder b = new StringBuilder();
    for (String f : List.of("ts", "method", "path", "query", "protocol", "status", "bytes",
        "referrer", "user_agent")) {
      Object v = r.getValue(f);
      b.append(f).append('=').append(v instanceof org.joda.time.ReadableInstant
          ? new Instant(((org.joda.time.ReadableInstant) v).getMillis()).toString() : v)
          .append(' ');
    }
    b.append("client_ip=").append(PROTECTOR.decrypt("client_ip", r.getString("client_ip")));
    String user = r.getString("user");
    b.append(" user=").append(user == null ? null : PROTECTOR.decrypt("user", user));
    return b.toString();
  }

  /** Every field as the issue lists it, times in UTC; ip and user come back with the key. */
  @Test
  public void fieldsTimesAndEncryptedIdentities() {
    List<String> lines = new ArrayList<>(List.of(GOOD));
    List<String> expectedDead = new ArrayList<>();
    for (String[] b : BROKEN) {
      lines.add(b[0]);
      expectedDead.add("/logs/access.log:" + lines.size() + " " + b[1] + " " + b[2]);
    }
    PCollectionTuple parsed =
        p.apply(Create.of(records(lines)).withCoder(RawRecord.RawRecordCoder.of()))
            .apply(ParseRecords.of(SPEC).withProtector(PROTECTOR));
    PCollection<Row> rows =
        parsed.get(ParseRecords.ROWS).apply(ProtectPii.of(SPEC).withProtector(PROTECTOR));

    PAssert.that(rows.apply("Revealed", MapElements.into(TypeDescriptors.strings())
            .via(WeblogsTest::text)))
        .containsInAnyOrder(
            "ts=2024-10-10T20:55:36.000Z method=GET path=/api/v1/items query=id=7"
                + " protocol=HTTP/1.1 status=200 bytes=2326 referrer=https://example.com/"
                + " user_agent=Mozilla/5.0 (X11; Linux x86_64) client_ip=203.0.113.9 user=alice",
            "ts=2024-12-30T00:06:38.000Z method=GET path=/api/v1/items/318 query=null"
                + " protocol=HTTP/2.0 status=304 bytes=null referrer=null user_agent=curl/8.5.0"
                + " client_ip=2001:db8::7 user=null",
            "ts=2024-12-29T22:43:28.000Z method=POST path=/api/v1/orders query=null"
                + " protocol=HTTP/1.1 status=201 bytes=18590 referrer=null"
                + " user_agent=agent \\\"quoted\\\" 1.0 client_ip=203.0.113.9 user=svc-reporting",
            "ts=2024-12-31T23:28:35.000Z method=DELETE path=/api/v1/items/922 query=null"
                + " protocol=HTTP/1.1 status=404 bytes=33451 referrer=https://www.google.com/"
                + " user_agent=okhttp/4.12.0 client_ip=198.51.100.23 user=null");
    // Deterministic encryption: the two rows of one client carry one token, no raw ip.
    PAssert.that(rows).satisfies(all -> {
      List<String> tokens = new ArrayList<>();
      for (Row r : all) {
        assertThat(r.getString("client_ip"), containsString("v1:"));
        if (PROTECTOR.decrypt("client_ip", r.getString("client_ip")).equals("203.0.113.9")) {
          tokens.add(r.getString("client_ip"));
        }
      }
      assertEquals(2, tokens.size());
      assertEquals(tokens.get(0), tokens.get(1));
      return null;
    });
    PCollection<DeadLetter> dead = parsed.get(DeadLetters.TAG);
    PAssert.that(dead.apply("Reasons", MapElements.into(TypeDescriptors.strings())
            .via(d -> d.origin() + " " + d.stage() + " " + d.reason())))
        .containsInAnyOrder(expectedDead);
    PAssert.that(dead).satisfies(all -> {
      for (DeadLetter d : all) {
        String visible = d.reason() + " " + d.protectedRecord();
        for (String raw : List.of("203.0.113", "198.51.100", "192.0.2.14", "alice")) {
          assertEquals(raw + " in " + visible, -1, visible.indexOf(raw));
        }
      }
      return null;
    });
    p.run().waitUntilFinish();
  }

  /** Daily by default, ISO weeks when chosen: 30 December 2024 lies in 2025-W01. */
  @Test
  public void dailyAndWeeklyPartitions() {
    FeedSpec weekly = SPEC.withPartitioning("weekly");
    PCollection<Row> rows =
        p.apply(Create.of(records(List.of(GOOD))).withCoder(RawRecord.RawRecordCoder.of()))
            .apply(ParseRecords.of(SPEC).withProtector(PROTECTOR)).get(ParseRecords.ROWS)
            .apply(ProtectPii.of(SPEC).withProtector(PROTECTOR));
    PCollection<KV<String, Row>> daily = rows.apply("Daily", AssignPartitions.forFeed(SPEC));
    PCollection<KV<String, Row>> weeks = rows.apply("Weekly", AssignPartitions.forFeed(weekly));
    PAssert.that(daily.apply("DailyKeys", MapElements.into(TypeDescriptors.strings())
            .via(KV::getKey)))
        .containsInAnyOrder("dt=2024-10-10", "dt=2024-12-30", "dt=2024-12-29", "dt=2024-12-31");
    PAssert.that(weeks.apply("WeeklyKeys", MapElements.into(TypeDescriptors.strings())
            .via(KV::getKey)))
        .containsInAnyOrder("week=2024-W41", "week=2025-W01", "week=2024-W52", "week=2025-W01");
    p.run().waitUntilFinish();
  }

  /** Named partitionings: a default, a choice by name, and clear refusals. */
  @Test
  public void namedPartitionings() {
    assertEquals("daily", SPEC.partitioning);
    assertEquals("dt={ts:yyyy-MM-dd}", SPEC.partitionTemplate);
    assertEquals("week={ts:iso_week}", SPEC.withPartitioning("weekly").partitionTemplate);
    assertEquals("weekly", SPEC.withPartitioning("weekly").partitioning);
    assertEquals("week={ts:iso_week}",
        SPEC.withPartitioning("weekly").withAckColumn().partitionTemplate);
    try {
      SPEC.withPartitioning("hourly");
      fail();
    } catch (SpecException e) {
      assertEquals("feed weblogs has no partitioning 'hourly' (daily, weekly)", e.getMessage());
    }
    try {
      Fixtures.events().withPartitioning("daily");
      fail();
    } catch (SpecException e) {
      assertThat(e.getMessage(), containsString("feed events has one partition template"));
    }
    assertNull(Fixtures.events().partitioning);
    String spec = Fixtures.read(Fixtures.testdata().resolve("weblogs/spec.json"));
    for (String[] c : new String[][] {
        {"\"default\": \"daily\"", "\"default\": \"monthly\"",
            "partition.default: 'monthly' is not one of the templates; name one of daily, weekly"},
        {",\n    \"default\": \"daily\"", "",
            "partition.default: missing; name one of daily, weekly"},
        {"\"week={ts:iso_week}\"", "\"week={when:iso_week}\"",
            "partition.weekly: {when} names no output column"},
        {"\"weekly\": ", "\"Weekly\": ", "partition: name 'Weekly' is not allowed"}}) {
      String changed = spec.replace(c[0], c[1]);
      assertThat(c[0], changed, org.hamcrest.Matchers.not(org.hamcrest.Matchers.equalTo(spec)));
      try {
        FeedSpec.parse(changed, "spec.json");
        fail(c[2]);
      } catch (SpecException e) {
        assertThat(e.getMessage(), containsString(c[2]));
      }
    }
  }
}
