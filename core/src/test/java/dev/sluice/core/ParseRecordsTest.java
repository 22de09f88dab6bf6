package dev.sluice.core;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.model.DeadLetter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Raw records through ParseRecords: typed rows out, every failure a dead letter. */
@RunWith(JUnit4.class)
public class ParseRecordsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Protector PROTECTOR = new Protector(Fixtures.keys());

  private static final long T_0309_10 =
      java.time.Instant.parse("2024-03-09T10:00:00Z").toEpochMilli();
  private static final long T_0309_00 =
      java.time.Instant.parse("2024-03-09T00:00:00Z").toEpochMilli();

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] x : parts) {
      b.writeBytes(x);
    }
    return b.toByteArray();
  }

  /** Events lines, two good and three bad (truncated, no ':' in the name, invalid UTF-8). */
  private static final byte[][] EVENT_LINES = {
    utf8("{\"event_uuid\": \"e-1\", \"event_name\": \"account:created\","
        + " \"created_at\": 1709978400, \"payload\": {\"plan\": \"pro\"}}"),
    utf8("{\"event_uuid\": \"e-2\", \"event_name\": \"payment:refund\", \"created_at\": 1709942400}"),
    utf8("{\"event_uuid\": \"e-3\", \"event_name\": \"acco"),
    utf8("{\"event_uuid\": \"e-4\", \"event_name\": \"nocolon\", \"created_at\": 1709978400}"),
    concat(utf8("{\"event_uuid\": \"e-5"), new byte[] {(byte) 0xC3, 0x28}, utf8("\"}")),
  };

  private static List<RawRecord> records(String file, byte[][] lines) {
    List<RawRecord> out = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      out.add(RawRecord.of(lines[i], file + ":" + (i + 1)));
    }
    return out;
  }

  private static Map<String, byte[]> payloadsByOrigin(String file, byte[][] lines) {
    Map<String, byte[]> out = new HashMap<>();
    for (int i = 0; i < lines.length; i++) {
      out.put(file + ":" + (i + 1), lines[i]);
    }
    return out;
  }

  private PCollectionTuple parse(FeedSpec spec, List<RawRecord> input) {
    return p.apply(Create.of(input).withCoder(RawRecord.RawRecordCoder.of()))
        .apply(ParseRecords.of(spec).withProtector(PROTECTOR));
  }

  private static PCollection<String> summaries(PCollection<DeadLetter> dead) {
    return dead.apply(
        "Summarise",
        MapElements.into(TypeDescriptors.strings())
            .via(d -> d.feed() + "|" + d.origin() + "|" + d.stage()));
  }

  /** Good events become rows; bad ones dead letters with stage and origin. */
  @Test
  public void eventsGoodAndBad() {
    FeedSpec spec = Fixtures.events();
    PCollectionTuple out = parse(spec, records("events.jsonl", EVENT_LINES));

    PAssert.that(out.get(ParseRecords.ROWS))
        .containsInAnyOrder(
            Row.withSchema(spec.parsedSchema())
                .addValues("e-1", "account:created", "account", "created",
                    new Instant(T_0309_10), "{\"plan\":\"pro\"}", null, null)
                .build(),
            Row.withSchema(spec.parsedSchema())
                .addValues("e-2", "payment:refund", "payment", "refund",
                    new Instant(T_0309_00), null, null, null)
                .build());
    PAssert.that(summaries(out.get(DeadLetters.TAG)))
        .containsInAnyOrder(
            "events|events.jsonl:3|parse",
            "events|events.jsonl:4|validate",
            "events|events.jsonl:5|parse");
    p.run();
  }

  /** Dead letters' reasons name the problem; their payload decrypts to the original bytes. */
  @Test
  public void deadLetterReasonsAndPayloads() {
    FeedSpec spec = Fixtures.events();
    PCollectionTuple out = parse(spec, records("events.jsonl", EVENT_LINES));
    Map<String, byte[]> originals = payloadsByOrigin("events.jsonl", EVENT_LINES);
    Protector protector = PROTECTOR;

    PAssert.that(out.get(ParseRecords.ROWS).apply("Ids", MapElements
            .into(TypeDescriptors.strings()).via(r -> r.getString("event_uuid"))))
        .containsInAnyOrder("e-1", "e-2");
    PAssert.that(out.get(DeadLetters.TAG))
        .satisfies(
            dead -> {
              Map<String, DeadLetter> byOrigin = new HashMap<>();
              for (DeadLetter d : dead) {
                byOrigin.put(d.origin(), d);
                assertArrayEquals(d.origin(), originals.get(d.origin()),
                    protector.decryptBytes(Protector.PAYLOAD_FIELD, d.payloadToken()));
              }
              assertEquals(3, byOrigin.size());
              DeadLetter truncated = byOrigin.get("events.jsonl:3");
              assertThat(truncated.reason(), containsString("truncated"));
              assertNull(truncated.protectedRecord());
              DeadLetter noColon = byOrigin.get("events.jsonl:4");
              assertThat(noColon.reason(), containsString("event_name"));
              assertThat(noColon.reason(), not(containsString("nocolon")));
              assertNotNull(noColon.protectedRecord());
              DeadLetter utf8 = byOrigin.get("events.jsonl:5");
              assertThat(utf8.reason(), containsString("UTF-8"));
              assertNull(utf8.protectedRecord());
              return null;
            });
    p.run();
  }

  /** Rows carry their event time (created_at) as element timestamp. */
  @Test
  public void rowsCarryEventTime() {
    PCollectionTuple out = parse(Fixtures.events(), records("events.jsonl", EVENT_LINES));
    PCollection<String> stamped =
        out.get(ParseRecords.ROWS)
            .apply("Stamp", ParDo.of(new StampFn()));
    PAssert.that(stamped).containsInAnyOrder("e-1@" + T_0309_10, "e-2@" + T_0309_00);
    PAssert.that(summaries(out.get(DeadLetters.TAG)))
        .containsInAnyOrder(
            "events|events.jsonl:3|parse",
            "events|events.jsonl:4|validate",
            "events|events.jsonl:5|parse");
    p.run();
  }

  /** Outputs a row's event_uuid with its element timestamp in millis. */
  private static final class StampFn extends DoFn<Row, String> {
    @ProcessElement
    public void process(ProcessContext c) {
      c.output(c.element().getString("event_uuid") + "@" + c.timestamp().getMillis());
    }
  }

  /** All-good input leaves the dead-letter output empty. */
  @Test
  public void allGoodNoDeadLetters() {
    FeedSpec spec = Fixtures.events();
    byte[][] lines = {EVENT_LINES[0], EVENT_LINES[1]};
    PCollectionTuple out = parse(spec, records("events.jsonl", lines));
    PAssert.that(out.get(ParseRecords.ROWS).apply("Ids", MapElements
            .into(TypeDescriptors.strings()).via(r -> r.getString("event_uuid"))))
        .containsInAnyOrder("e-1", "e-2");
    PAssert.that(out.get(DeadLetters.TAG)).empty();
    p.run();
  }

  /** User logins: the dead letter of a validate failure shows the ip hashed, never raw. */
  @Test
  public void validateDeadLetterHoldsHashedIpOnly() throws Exception {
    FeedSpec spec = Fixtures.userLogins();
    String ip = "203.0.113.77";
    String device = "dev-secret-9";
    byte[][] lines = {
      utf8("{\"user_id\": \"u1\", \"app_version\": \"2.3.0\", \"device_type\": \" IOS \","
          + " \"ip\": \"10.1.2.3\", \"locale\": \"de\", \"device_id\": \"d-1\"}"),
      utf8("{\"user_id\": \"  \", \"ip\": \" " + ip + " \", \"locale\": \"de\","
          + " \"device_id\": \"" + device + "\"}"),
      utf8("{\"user_id\": \"u3\", \"ip\": \"198.51.100.23\""),
    };
    PCollectionTuple out = parse(spec, records("logins.jsonl", lines));

    String sourceId1 = HexFormat.of().formatHex(Arrays.copyOf(MessageDigest
        .getInstance("SHA-256").digest(utf8("logins.jsonl:1")), 16));
    PAssert.that(out.get(ParseRecords.ROWS))
        .containsInAnyOrder(
            Row.withSchema(spec.parsedSchema())
                .addValues("u1", "2.3.0", "ios", "10.1.2.3", "DE", "d-1", sourceId1)
                .build());

    ObjectNode expectedView = new ObjectMapper().createObjectNode();
    expectedView.put("masked_ip", Fixtures.expectedHash("ip", ip));
    expectedView.put("locale", "DE");
    expectedView.put("masked_device_id", Fixtures.expectedHash("device_id", device));
    String expectedViewJson = expectedView.toString();
    Protector protector = PROTECTOR;
    byte[] original = lines[1];

    PAssert.that(out.get(DeadLetters.TAG))
        .satisfies(
            dead -> {
              Map<String, DeadLetter> byOrigin = new HashMap<>();
              for (DeadLetter d : dead) {
                byOrigin.put(d.origin(), d);
                assertThat(d.reason(), not(containsString("198.51.100.23")));
                assertThat(d.reason(), not(containsString(ip)));
              }
              assertEquals(2, byOrigin.size());
              DeadLetter invalid = byOrigin.get("logins.jsonl:2");
              assertEquals(RecordParser.STAGE_VALIDATE, invalid.stage());
              assertThat(invalid.reason(), containsString("user_id"));
              try {
                ObjectMapper m = new ObjectMapper();
                JsonNode view = m.readTree(invalid.protectedRecord());
                assertEquals(m.readTree(expectedViewJson), view);
              } catch (java.io.IOException e) {
                throw new AssertionError(e);
              }
              for (String s : List.of(invalid.reason(), invalid.protectedRecord(),
                  invalid.payloadToken(), invalid.toString())) {
                assertThat(s, not(containsString(ip)));
                assertThat(s, not(containsString(device)));
              }
              assertArrayEquals(original,
                  protector.decryptBytes(Protector.PAYLOAD_FIELD, invalid.payloadToken()));
              DeadLetter truncated = byOrigin.get("logins.jsonl:3");
              assertEquals(RecordParser.STAGE_PARSE, truncated.stage());
              assertNull(truncated.protectedRecord());
              return null;
            });
    p.run();
  }

  /** A CSV feed through the splitter's output: header carried, ragged rows dead-lettered. */
  @Test
  public void csvRecordsWithHeader() {
    FeedSpec spec =
        FeedSpec.parse(
            "{\"name\": \"people\", \"format\": {\"type\": \"csv\"}, \"fields\": ["
                + "{\"name\": \"id\", \"required\": true}, {\"name\": \"age\", \"type\": \"int\"},"
                + " {\"name\": \"note\"}], \"dedup\": {\"key\": \"id\"}}",
            "people.json");
    String header = "ID,Age,Note";
    List<RawRecord> input =
        List.of(
            new RawRecord(utf8("a,31,\"hello, world\""), "p.csv:2", "p.csv:2", 0L, header),
            new RawRecord(utf8("b,thirty,x"), "p.csv:3", "p.csv:3", 0L, header),
            new RawRecord(utf8("c,1"), "p.csv:4", "p.csv:4", 0L, header),
            new RawRecord(utf8("d,,\"two\nlines\""), "p.csv:5", "p.csv:5", 0L, header));
    PCollectionTuple out = parse(spec, input);
    PAssert.that(out.get(ParseRecords.ROWS))
        .containsInAnyOrder(
            Row.withSchema(spec.parsedSchema()).addValues("a", 31, "hello, world").build(),
            Row.withSchema(spec.parsedSchema()).addValues("d", null, "two\nlines").build());
    PAssert.that(summaries(out.get(DeadLetters.TAG)))
        .containsInAnyOrder("people|p.csv:3|validate", "people|p.csv:4|parse");
    p.run();
  }

  /**
   * What the source refused reaches the dead letters as it is: a file it could not read (stage
   * read, no payload) and a record over the limit (stage parse, no payload, the reason saying
   * where it is); the good record beside them is a row.
   */
  @Test
  public void sourceRefusalsBecomeDeadLettersWithoutPayload() {
    FeedSpec spec = Fixtures.events();
    List<RawRecord> in = new ArrayList<>(records("events.jsonl", new byte[][] {EVENT_LINES[0]}));
    in.add(RawRecord.unreadableFile("bad.jsonl.gz", "file bad.jsonl.gz: truncated", 0L));
    in.add(RawRecord.refused("parse", "record is 2,000 bytes; line 2 of big.jsonl, bytes 9-2009",
        "big.jsonl:2", 0L));
    PCollectionTuple out = parse(spec, in);
    PAssert.that(out.get(ParseRecords.ROWS).apply("Uuids", MapElements
            .into(TypeDescriptors.strings()).via(r -> r.getString("event_uuid"))))
        .containsInAnyOrder("e-1");
    PAssert.that(out.get(DeadLetters.TAG).apply("Describe", MapElements
            .into(TypeDescriptors.strings())
            .via(d -> d.stage() + "|" + d.origin() + "|" + d.reason() + "|" + d.payloadToken()
                + "|" + d.protectedRecord())))
        .containsInAnyOrder(
            "read|bad.jsonl.gz|file bad.jsonl.gz: truncated|null|null",
            "parse|big.jsonl:2|record is 2,000 bytes; line 2 of big.jsonl, bytes 9-2009|null|null");
    org.apache.beam.sdk.PipelineResult result = p.run();
    result.waitUntilFinish();
    Map<String, Long> counts = new HashMap<>();
    for (org.apache.beam.sdk.metrics.MetricResult<Long> c : result.metrics()
        .queryMetrics(org.apache.beam.sdk.metrics.MetricsFilter.builder().build()).getCounters()) {
      counts.merge(c.getName().getName(), c.getAttempted(), Long::sum);
    }
    // The file is no record: files_rejected 1; the big record is read and rejected at parse.
    assertEquals(Long.valueOf(1), counts.get(Ledger.FILES_REJECTED));
    assertEquals(Long.valueOf(2), counts.get(Ledger.READ));
    assertEquals(Long.valueOf(1), counts.get(Ledger.REJECTED_PREFIX + "parse"));
  }
}
