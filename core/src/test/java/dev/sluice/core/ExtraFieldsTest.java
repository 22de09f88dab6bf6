package dev.sluice.core;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Keys of a JSON record that no field names ({@code extra_fields}): kept in one JSON column,
 * dropped and counted, or the record a {@code validate} dead letter; named fields keep their
 * PII actions and never reach the extras.
 */
@RunWith(JUnit4.class)
public class ExtraFieldsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Protector PROTECTOR = new Protector(Fixtures.keys());
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static FeedSpec spec(String extraFields) {
    return FeedSpec.parse("{\"name\": \"events\", \"format\": {\"type\": \"json\"},"
        + " \"fields\": ["
        + "  {\"name\": \"id\", \"type\": \"string\", \"required\": true},"
        + "  {\"name\": \"email\", \"type\": \"string\", \"pii\": \"hash\"},"
        + "  {\"name\": \"secret\", \"type\": \"string\", \"pii\": \"drop\"}],"
        + " \"dedup\": {\"key\": [\"id\"]}"
        + (extraFields == null ? "" : ", \"extra_fields\": " + extraFields) + "}", "test");
  }

  /** Three records: top-level fields beside the named ones, none, and a key that is no name. */
  private static final String[] LINES = {
    "{\"id\": \"a\", \"email\": \"ann@example.com\", \"secret\": \"s3cr3t\", \"account_id\": 7,"
        + " \"amount\": 12.50, \"currency\": \"EUR\", \"tags\": [\"x\", {\"y\": null}]}",
    "{\"id\": \"b\", \"email\": null}",
    "{\"id\": \"c\", \"Weird Key!\": true}",
  };

  private static List<RawRecord> records() {
    List<RawRecord> out = new ArrayList<>();
    for (int i = 0; i < LINES.length; i++) {
      out.add(RawRecord.of(LINES[i].getBytes(StandardCharsets.UTF_8), "mem:" + (i + 1)));
    }
    return out;
  }

  private PCollectionTuple parse(FeedSpec spec) {
    return p.apply(Create.of(records()).withCoder(RawRecord.RawRecordCoder.of()))
        .apply(ParseRecords.of(spec).withProtector(PROTECTOR));
  }

  private static PCollection<String> reasons(PCollectionTuple t) {
    return t.get(DeadLetters.TAG)
        .apply("Reasons", MapElements.into(TypeDescriptors.strings())
            .via((DeadLetter d) -> d.stage() + " " + d.origin() + " " + d.reason()));
  }

  /** keep: the unnamed keys, in order, in the extras column; email hashed, secret gone. */
  @Test
  public void keepPutsUnnamedFieldsInOneJsonColumn() {
    FeedSpec spec = spec("\"keep\"");
    assertEquals(List.of("id", "email", "extra_fields"),
        spec.outputSchema().getFieldNames());
    PCollectionTuple t = parse(spec);
    PCollection<String> out =
        t.get(ParseRecords.ROWS)
            .apply(ProtectPii.of(spec).withProtector(PROTECTOR))
            .apply("Lines", MapElements.into(TypeDescriptors.strings())
                .via((Row r) -> r.getString("id") + " " + r.getString("extra_fields") + " "
                    + (r.getString("email") == null ? "-" : r.getString("email").startsWith("v1:"))));
    // Numbers keep their spelling, like any json field: 12.50 stays 12.50.
    PAssert.that(out).containsInAnyOrder(
        "a {\"account_id\":7,\"amount\":12.50,\"currency\":\"EUR\",\"tags\":[\"x\",{\"y\":null}]}"
            + " true",
        "b null -",
        "c {\"Weird Key!\":true} -");
    PAssert.that(t.get(DeadLetters.TAG)).empty();
    p.run().waitUntilFinish();
  }

  /** drop (the default when the spec is silent): rows as without extras, each key counted. */
  @Test
  public void dropCountsEveryUnnamedKey() {
    FeedSpec spec = spec(null);
    assertEquals(FeedSpec.ExtraFields.DROP, spec.extraFields);
    assertEquals(List.of("id", "email"), spec.outputSchema().getFieldNames());
    RecordParser parser = new RecordParser(spec);
    int[] dropped = new int[LINES.length];
    List<RawRecord> rs = records();
    for (int i = 0; i < rs.size(); i++) {
      assertEquals(true, parser.parse(rs.get(i)).ok());
      dropped[i] = parser.droppedFields();
    }
    // account_id, amount, currency, tags; none; "Weird Key!". Named but null or dropped by PII
    // (email, secret) are named, so not extras.
    assertEquals(List.of(4, 0, 1), List.of(dropped[0], dropped[1], dropped[2]));

    PCollectionTuple t = parse(spec);
    PAssert.that(t.get(ParseRecords.ROWS).apply("Ids", MapElements
            .into(TypeDescriptors.strings()).via((Row r) -> r.getString("id"))))
        .containsInAnyOrder("a", "b", "c");
    PAssert.that(t.get(DeadLetters.TAG)).empty();
    p.run().waitUntilFinish();
  }

  /** reject: records with unnamed keys are validate dead letters naming plain keys only. */
  @Test
  public void rejectMakesDeadLetters() {
    PCollectionTuple t = parse(spec("{\"action\": \"reject\"}"));
    PAssert.that(t.get(ParseRecords.ROWS).apply("Ids", MapElements
            .into(TypeDescriptors.strings()).via((Row r) -> r.getString("id"))))
        .containsInAnyOrder("b");
    PAssert.that(reasons(t)).containsInAnyOrder(
        "validate mem:1 record has 4 fields the spec does not name ('account_id', 'amount',"
            + " 'currency', ...); the spec says extra_fields: reject",
        "validate mem:3 record has 1 field the spec does not name (a key that is not a plain"
            + " name); the spec says extra_fields: reject");
    p.run().waitUntilFinish();
  }

  /** Kept extras that hold a NUL (escaped in JSON) are a dead letter: Postgres refuses them. */
  @Test
  public void keptNulIsADeadLetter() {
    RecordParser parser = new RecordParser(spec("\"keep\""));
    RecordParser.Result r = parser.parse(RawRecord.of(
        "{\"id\": \"n\", \"note\": {\"a\": \"x\\u0000y\"}}".getBytes(StandardCharsets.UTF_8),
        "mem:9"));
    assertNull(r.row);
    assertEquals("validate", r.stage);
    assertEquals("field 'extra_fields': a string holds a NUL character (\\u0000), which"
        + " PostgreSQL's jsonb refuses", r.reason);
  }

  /** Spec mistakes about extra_fields fail at start naming the place. */
  @Test
  public void specMistakesAreNamed() {
    assertSpecFails(spec0("\"json\"", "\"keeep\""), "test: extra_fields: unknown action 'keeep'");
    assertSpecFails(spec0("\"csv\"", "\"keep\""), "test: extra_fields: applies to json feeds");
    assertSpecFails(spec0("\"json\"", "{\"action\": \"keep\", \"column\": \"id\"}"),
        "test: extra_fields.column: 'id' is already a field or column");
    assertSpecFails(spec0("\"json\"", "{\"action\": \"drop\", \"column\": \"x\"}"),
        "test: extra_fields.column: only \"keep\"");
    assertSpecFails(spec0("\"json\"", "{\"action\": \"keep\", \"column\": \"Bad Name\"}"),
        "extra_fields.column");
    FeedSpec named = FeedSpec.parse(spec0("\"json\"",
        "{\"action\": \"keep\", \"column\": \"attributes\"}"), "test");
    assertEquals(List.of("id", "attributes"), named.outputSchema().getFieldNames());
  }

  private static String spec0(String format, String extra) {
    return "{\"name\": \"f\", \"format\": " + format + ", \"fields\": [{\"name\": \"id\","
        + " \"required\": true}], \"dedup\": {\"key\": [\"id\"]}, \"extra_fields\": " + extra
        + "}";
  }

  private static void assertSpecFails(String json, String expected) {
    try {
      FeedSpec.parse(json, "test");
      fail("spec accepted: " + json);
    } catch (SpecException e) {
      assertThat(e.getMessage(), containsString(expected));
      assertThat(e.getMessage(), not(containsString("Exception")));
    }
  }
}
