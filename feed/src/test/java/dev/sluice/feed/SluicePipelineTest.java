package dev.sluice.feed;

import static dev.sluice.feed.PipelineFixtures.expectedHash;
import static dev.sluice.feed.PipelineFixtures.utcDay;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.io.files.WriteDeadLetters;
import dev.sluice.core.model.DeadLetter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.pii.SluiceKeys;
import dev.sluice.core.spec.FeedSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.ReadableInstant;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The whole graph on in-memory records with no sinks: what reaches the partitioned output, the
 * dead letters and the duplicate keys, and what the ledger counts.
 */
@RunWith(JUnit4.class)
public class SluicePipelineTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static SluiceKeys keys;
  private static Protector protector;
  private static FeedSpec events;
  private static FeedSpec userLogins;

  /**
   * A small events fixture (single quotes stand for double quotes): four good events, four
   * duplicates, three parse and five validate failures.
   */
  private static final String[] EVENTS = json(
      /* 1 */ "{'event_uuid': 'a1', 'event_name': 'lesson:completed', 'created_at': 1710125535,"
          + " 'payload': {'course_id': 10, 'amount': 9.83}}",
      /* 2 */ "{'event_uuid': 'a2', 'event_name': 'lesson:started', 'created_at': 1710000443,"
          + " 'payload': {'course_id': 44}}",
      /* 3 */ "{'event_uuid': ' a3 ', 'event_name': ' payment:order ', 'created_at': 1710239476,"
          + " 'payload': {'amount': 5}}",
      /* 4 */ "{'event_uuid': 'a4', 'event_name': 'lesson:completed', 'created_at': 1710196000}",
      /* 5 */ "{'event_uuid': 'a1', 'event_name': 'lesson:completed', 'created_at': 1710125535,"
          + " 'payload': {'course_id': 10, 'amount': 9.83}}",
      /* 6 */ "{'event_uuid': 'a1', 'event_name': 'lesson:completed', 'created_at': 1710125535,"
          + " 'payload': {'course_id': 10, 'amount': 9.83}}",
      /* 7 */ "{'event_uuid': 'a2', 'event_name': 'lesson:started', 'created_at': 1710000443,"
          + " 'payload': {'course_id': 44}}",
      /* 8, a duplicate of 3 once both are trimmed */
      "{'event_uuid': 'a3', 'event_name': 'payment:order', 'created_at': 1710239476,"
          + " 'payload': {'amount': 5}}",
      /* 9 */ "not json at all",
      /* 10 */ "[1,2,3]",
      /* 11 */ "{'event_uuid': 'truncated",
      /* 12 */ "{'event_name': 'account:created', 'created_at': 1710000000}",
      /* 13 */ "{'event_uuid': 'x5', 'event_name': 'nocolon', 'created_at': 1710000000}",
      /* 14 */ "{'event_uuid': 'x6', 'event_name': 'account:created', 'created_at': 'yesterday'}",
      /* 15 */ "{'event_uuid': 'x7', 'event_name': 'account:created', 'created_at': 1e30}",
      /* 16 */ "{'event_uuid': '', 'event_name': 'account:created', 'created_at': 1710000000}");

  private static String[] json(String... lines) {
    String[] out = new String[lines.length];
    for (int i = 0; i < lines.length; i++) {
      out[i] = lines[i].replace('\'', '"');
    }
    return out;
  }

  @BeforeClass
  public static void setUpClass() {
    keys = SluiceKeys.generate("v1");
    protector = new Protector(keys);
    events = Feeds.load(PipelineFixtures.eventsSpec().toString());
    userLogins = Feeds.load(PipelineFixtures.userLoginsSpec().toString());
  }

  private static List<RawRecord> records(String file, List<String> lines) {
    List<RawRecord> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      out.add(RawRecord.of(lines.get(i).getBytes(StandardCharsets.UTF_8), file + ":" + (i + 1)));
    }
    return out;
  }

  private static Create.Values<RawRecord> source(List<RawRecord> records) {
    return Create.of(records).withCoder(RawRecord.RawRecordCoder.of());
  }

  private static PCollection<String> partitionAndUuid(PCollection<KV<String, Row>> partitioned) {
    return partitioned.apply(
        "PartitionAndUuid",
        MapElements.into(TypeDescriptors.strings())
            .via(kv -> kv.getKey() + " " + kv.getValue().getString("event_uuid")));
  }

  /** One output row as text: every column, created_at as epoch millis. */
  private static String describeEvent(Row r) {
    ReadableInstant created = r.getValue("created_at");
    return String.join("|", r.getString("event_uuid"), r.getString("event_name"),
        r.getString("event_type"), r.getString("event_subtype"),
        String.valueOf(created.getMillis()), String.valueOf(r.getString("payload")));
  }

  /** The events fixture: rows reach their UTC-day partitions; failures and repeats are counted. */
  @Test
  public void eventsFixtureReachesPartitionsDeadLettersAndDuplicates() {
    SluicePipeline.Outputs out =
        SluicePipeline.buildPipeline(p, events, protector,
            source(records("fixture.jsonl", List.of(EVENTS))), Sinks.none());

    String lesson11 = "event_type=lesson/dt=" + utcDay(1710125535L);
    String lesson09 = "event_type=lesson/dt=" + utcDay(1710000443L);
    String payment12 = "event_type=payment/dt=" + utcDay(1710239476L);
    assertEquals("event_type=lesson/dt=2024-03-11", lesson11);
    assertEquals(lesson11, "event_type=lesson/dt=" + utcDay(1710196000L));

    PAssert.that(partitionAndUuid(out.partitioned))
        .containsInAnyOrder(
            lesson11 + " a1", lesson09 + " a2", payment12 + " a3", lesson11 + " a4");
    PAssert.that(
            out.partitioned
                .apply("PartitionKeys", org.apache.beam.sdk.transforms.Keys.create())
                .apply("RowsPerPartition", Count.perElement()))
        .containsInAnyOrder(KV.of(lesson11, 2L), KV.of(lesson09, 1L), KV.of(payment12, 1L));
    PAssert.that(
            out.partitioned.apply("DescribeRows",
                MapElements.into(TypeDescriptors.strings())
                    .via(kv -> describeEvent(kv.getValue()))))
        .containsInAnyOrder(
            "a1|lesson:completed|lesson|completed|1710125535000|{\"course_id\":10,\"amount\":9.83}",
            "a2|lesson:started|lesson|started|1710000443000|{\"course_id\":44}",
            "a3|payment:order|payment|order|1710239476000|{\"amount\":5}",
            "a4|lesson:completed|lesson|completed|1710196000000|null");

    PAssert.that(out.duplicateKeys).containsInAnyOrder("a1", "a1", "a2", "a3");

    Map<String, String> stageByOrigin = new HashMap<>();
    Map<String, String> reasonByOrigin = new HashMap<>();
    String[][] expected = {
      {"9", "parse", "not valid JSON: "},
      {"10", "parse", "not a JSON object (found an array)"},
      {"11", "parse", "not valid JSON: truncated"},
      {"12", "validate", "field 'event_uuid' is required but missing"},
      {"13", "validate", "field 'event_name' has no ':' to split into 'event_type'"},
      {"14", "validate", "field 'created_at': expected a number (epoch seconds), got text"},
      {"15", "validate", "field 'created_at': epoch time beyond year 9999"},
      {"16", "validate", "field 'event_uuid' is required but empty"},
    };
    for (String[] e : expected) {
      stageByOrigin.put("fixture.jsonl:" + e[0], e[1]);
      reasonByOrigin.put("fixture.jsonl:" + e[0], e[2]);
    }
    Map<String, String> payloadByOrigin = new HashMap<>();
    for (int i = 0; i < EVENTS.length; i++) {
      payloadByOrigin.put("fixture.jsonl:" + (i + 1), EVENTS[i]);
    }
    Protector prot = protector;
    PAssert.that(out.deadLetters)
        .satisfies(
            (SerializableFunction<Iterable<DeadLetter>, Void>)
                letters -> {
                  Set<String> origins = new HashSet<>();
                  for (DeadLetter d : letters) {
                    assertTrue("unexpected dead letter " + d, origins.add(d.origin()));
                    assertEquals(d.toString(), stageByOrigin.get(d.origin()), d.stage());
                    assertThat(d.toString(), d.reason(),
                        startsWith(reasonByOrigin.get(d.origin())));
                    assertEquals("events", d.feed());
                    assertEquals(payloadByOrigin.get(d.origin()),
                        new String(prot.decryptBytes(Protector.PAYLOAD_FIELD, d.payloadToken()),
                            StandardCharsets.UTF_8));
                    if (d.stage().equals("parse")) {
                      assertNull(d.protectedRecord());
                    } else {
                      assertNotNull(d.protectedRecord());
                    }
                  }
                  assertEquals(stageByOrigin.keySet(), origins);
                  return null;
                });

    PipelineResult result = p.run();
    result.waitUntilFinish();
    RunLedger ledger = RunLedger.from("events", result);
    assertEquals(16, ledger.read());
    assertEquals(4, ledger.written());
    assertEquals(4, ledger.duplicates());
    assertEquals(Map.of("parse", 3L, "validate", 5L), ledger.rejectedByStage());
    assertEquals(Map.of(lesson11, 2L, lesson09, 1L, payment12, 1L), ledger.rowsByPartition());
    assertTrue(ledger.line(), ledger.balanced());
  }

  /** The shipped events file: 60 rows in their partitions, 5 duplicates, 3 + 5 dead letters. */
  @Test
  public void shippedEventsFileBalances() {
    List<String> lines = PipelineFixtures.lines(PipelineFixtures.eventsFile());
    assertEquals(73, lines.size());
    SluicePipeline.Outputs out =
        SluicePipeline.buildPipeline(p, events, protector,
            source(records("events-2024-03-09.jsonl", lines)), Sinks.none());

    Map<String, JsonNode> good = PipelineFixtures.goodUniqueEvents(PipelineFixtures.eventsFile());
    assertEquals(60, good.size());
    List<String> expectedPairs = new ArrayList<>();
    good.forEach((uuid, n) -> expectedPairs.add(PipelineFixtures.eventPartition(n) + " " + uuid));
    PAssert.that(partitionAndUuid(out.partitioned)).containsInAnyOrder(expectedPairs);

    List<String> dupKeys = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String line : lines) {
      JsonNode n = parseOrNull(line);
      if (n != null && n.isObject() && n.hasNonNull("event_uuid")
          && good.containsKey(n.get("event_uuid").asText()) && !seen.add(line)) {
        dupKeys.add(n.get("event_uuid").asText());
      }
    }
    assertEquals(5, dupKeys.size());
    PAssert.that(out.duplicateKeys).containsInAnyOrder(dupKeys);

    PAssert.that(
            out.deadLetters.apply("StageAndLine",
                MapElements.into(TypeDescriptors.strings())
                    .via(d -> d.stage() + " " + d.origin())))
        .containsInAnyOrder(
            "parse events-2024-03-09.jsonl:31", "parse events-2024-03-09.jsonl:71",
            "parse events-2024-03-09.jsonl:73", "validate events-2024-03-09.jsonl:32",
            "validate events-2024-03-09.jsonl:33", "validate events-2024-03-09.jsonl:34",
            "validate events-2024-03-09.jsonl:70", "validate events-2024-03-09.jsonl:72");

    PipelineResult result = p.run();
    result.waitUntilFinish();
    RunLedger ledger = RunLedger.from("events", result);
    assertEquals(73, ledger.read());
    assertEquals(60, ledger.written());
    assertEquals(5, ledger.duplicates());
    assertEquals(Map.of("parse", 3L, "validate", 5L), ledger.rejectedByStage());
    assertEquals(new TreeMap<>(PipelineFixtures.expectedEventPartitions(
        PipelineFixtures.eventsFile())), ledger.rowsByPartition());
  }

  /** user_logins: no raw ip or device_id reaches a row or dead letter, only keyed hashes. */
  @Test
  public void userLoginsLeaveNoRawIpOrDeviceId() {
    List<String> lines = PipelineFixtures.lines(PipelineFixtures.userLoginsFile());
    assertEquals(43, lines.size());
    SluicePipeline.Outputs out =
        SluicePipeline.buildPipeline(p, userLogins, protector,
            source(records("user_logins-1.jsonl", lines)), Sinks.none());

    List<String> raw = PipelineFixtures.rawUserLoginPii();
    assertTrue(raw.contains("241.20.195.237"));
    assertTrue(raw.contains("10.0.0.1"));
    assertTrue(raw.contains("276-93-8850"));

    // user_id to the expected hashes of its ip and device id, from the file itself.
    Map<String, String> expectedRows = new HashMap<>();
    for (String line : lines) {
      JsonNode n = parseOrNull(line);
      if (n != null && n.isObject() && n.hasNonNull("user_id") && n.hasNonNull("ip")) {
        expectedRows.put(n.get("user_id").asText(),
            expectedHash(keys, "ip", n.get("ip").asText()) + " "
                + expectedHash(keys, "device_id", n.get("device_id").asText()));
      }
    }
    assertEquals(40, expectedRows.size());
    String hashOfDeadIp = expectedHash(keys, "ip", "10.0.0.1");

    PAssert.that(out.partitioned)
        .satisfies(
            (SerializableFunction<Iterable<KV<String, Row>>, Void>)
                rows -> {
                  Map<String, String> got = new HashMap<>();
                  for (KV<String, Row> kv : rows) {
                    assertEquals("", kv.getKey());
                    Row r = kv.getValue();
                    assertFalse(r.getSchema().hasField("ip"));
                    assertFalse(r.getSchema().hasField("device_id"));
                    for (Object v : r.getValues()) {
                      for (String secret : raw) {
                        assertThat(String.valueOf(v), not(containsString(secret)));
                      }
                    }
                    got.put(r.getString("user_id"),
                        r.getString("masked_ip") + " " + r.getString("masked_device_id"));
                  }
                  assertEquals(expectedRows, got);
                  return null;
                });
    PAssert.that(out.duplicateKeys).empty();
    PAssert.that(out.deadLetters)
        .satisfies(
            (SerializableFunction<Iterable<DeadLetter>, Void>)
                letters -> {
                  Map<String, String> stages = new TreeMap<>();
                  for (DeadLetter d : letters) {
                    stages.put(d.origin(), d.stage());
                    String written = WriteDeadLetters.toJson(d);
                    for (String secret : raw) {
                      assertThat(written, not(containsString(secret)));
                      assertThat(d.reason(), not(containsString(secret)));
                    }
                    if (d.origin().equals("user_logins-1.jsonl:26")) {
                      JsonNode view = parseOrNull(d.protectedRecord());
                      assertEquals(hashOfDeadIp, view.get("masked_ip").asText());
                      assertThat(view.get("ip"), is(nullValue()));
                    }
                  }
                  assertEquals(Map.of("user_logins-1.jsonl:11", "validate",
                      "user_logins-1.jsonl:21", "parse",
                      "user_logins-1.jsonl:26", "validate"), stages);
                  return null;
                });

    PipelineResult result = p.run();
    result.waitUntilFinish();
    RunLedger ledger = RunLedger.from("user_logins", result);
    assertEquals(43, ledger.read());
    assertEquals(40, ledger.written());
    assertEquals(0, ledger.duplicates());
    assertEquals(Map.of("parse", 1L, "validate", 2L), ledger.rejectedByStage());
    assertEquals(Map.of(".", 40L), ledger.rowsByPartition());
  }

  private static JsonNode parseOrNull(String s) {
    try {
      return MAPPER.readTree(s);
    } catch (IOException e) {
      return null;
    }
  }
}
