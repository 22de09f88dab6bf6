package dev.sluice.core;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.sluice.core.model.DeadLetter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.apache.beam.sdk.testing.TestPipeline;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Values shaped for a table an owner already has: cleanse steps that turn text into the
 * owner's numbers ({@code version_number}, {@code digits}), and text longer than the owner's
 * {@code varchar(n)} as a dead letter naming column and limit, never the value.
 */
@RunWith(JUnit4.class)
public class OwnerColumnsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Protector PROTECTOR = new Protector(Fixtures.keys());

  private static final FeedSpec LOGINS = FeedSpec.parse("""
      {"name": "user_logins", "format": {"type": "json"},
       "fields": [
         {"name": "user_id", "required": true},
         {"name": "app_version", "type": "int", "cleanse": ["trim", "version_number"]},
         {"name": "build", "type": "long", "cleanse": ["digits"]},
         {"name": "device_type", "cleanse": ["trim", "lower"]},
         {"name": "ip", "column": "masked_ip", "pii": "hash"}],
       "partition": "", "table": {"name": "user_logins", "mode": "append"}}
      """, "logins.json");

  private static RecordParser.Result parse(String json) {
    return new RecordParser(LOGINS).parse(RawRecord.of(Fixtures.utf8(json), "t:1"));
  }

  private static Object version(String jsonValue) {
    RecordParser.Result r = parse("{\"user_id\": \"u\", \"app_version\": " + jsonValue + "}");
    assertTrue(String.valueOf(r.reason), r.ok());
    return r.row.getValue("app_version");
  }

  /** A dotted version becomes MAJOR*10000 + MINOR*100 + PATCH, as text or as a JSON number. */
  @Test
  public void versionNumberKeepsVersionsDistinctAndOrdered() {
    assertEquals((Object) 20300, version("\"2.3.0\""));
    assertEquals((Object) 20300, version("\" v2.3.0 \""));
    assertEquals((Object) 21000, version("\"2.10\""));
    assertEquals((Object) 20900, version("\"2.9.0\""));
    assertEquals((Object) 30000, version("\"3\""));
    assertEquals((Object) 30000, version("3"));
    assertEquals((Object) 20300, version("2.3"));
    assertEquals((Object) 999999999, version("\"99999.99.99\""));
    assertEquals(null, version("\"\""));
  }

  /** What is no version is a validate dead letter naming the field and the rule, not the text. */
  @Test
  public void versionNumberRefusesWhatIsNoVersion() {
    for (String bad : new String[] {"\"2.3.0-beta\"", "\"2.100.0\"", "\"1.2.3.4\"",
        "\"secret-7\"", "\"123456.0\"", "-2"}) {
      RecordParser.Result r = parse("{\"user_id\": \"u\", \"app_version\": " + bad + "}");
      assertFalse(bad, r.ok());
      assertEquals(RecordParser.STAGE_VALIDATE, r.stage);
      assertThat(r.reason, containsString("field 'app_version': expected a version"));
      assertThat(r.reason, containsString("version_number"));
      assertThat(r.reason, not(containsString(bad.replace("\"", ""))));
    }
  }

  /** digits keeps the ASCII digits; nothing left is null. */
  @Test
  public void digitsKeepsDigits() {
    RecordParser.Result r = parse("{\"user_id\": \"u\", \"build\": \"b-2024.03 (7)\"}");
    assertTrue(String.valueOf(r.reason), r.ok());
    assertEquals((Object) 2024037L, r.row.getValue("build"));
    r = parse("{\"user_id\": \"u\", \"build\": \"none\"}");
    assertTrue(String.valueOf(r.reason), r.ok());
    assertEquals(null, r.row.getValue("build"));
  }

  /**
   * With the table's limits (device_type varchar(8), masked_ip varchar(20), shorter than a
   * hash token): a value that fits is a row; one too long, as text or once hashed, a validate
   * dead letter naming field, column and limit, without the value.
   */
  @Test
  public void textLongerThanTheColumnIsADeadLetter() {
    FeedSpec spec = LOGINS.withColumnLimits(Map.of("device_type", 8, "masked_ip", 20));
    List<RawRecord> in = new ArrayList<>();
    in.add(RawRecord.of(Fixtures.utf8(
        "{\"user_id\": \"u1\", \"device_type\": \"iOS\"}"), "l:1"));
    in.add(RawRecord.of(Fixtures.utf8(
        "{\"user_id\": \"u2\", \"device_type\": \"  android-tablet \"}"), "l:2"));
    in.add(RawRecord.of(Fixtures.utf8(
        "{\"user_id\": \"u3\", \"device_type\": \"ios\", \"ip\": \"10.9.8.7\"}"), "l:3"));
    // Eight characters of which two are outside the BMP: varchar counts characters.
    in.add(RawRecord.of(Fixtures.utf8(
        "{\"user_id\": \"u4\", \"device_type\": \"ph\uD83D\uDCF1one\uD83D\uDCF1\"}"), "l:4"));
    PCollectionTuple out = p.apply(Create.of(in).withCoder(RawRecord.RawRecordCoder.of()))
        .apply(ParseRecords.of(spec).withProtector(PROTECTOR));

    PAssert.that(out.get(ParseRecords.ROWS)
            .apply("Users", MapElements.into(TypeDescriptors.strings())
                .via((Row r) -> r.getString("user_id") + "|" + r.getString("device_type"))))
        .containsInAnyOrder("u1|ios", "u4|ph\uD83D\uDCF1one\uD83D\uDCF1");
    PAssert.that(out.get(DeadLetters.TAG)
            .apply("Reasons", MapElements.into(TypeDescriptors.strings())
                .via((DeadLetter d) -> d.origin() + "|" + d.stage() + "|" + d.reason() + "|"
                    + (d.payloadToken() != null) + "|" + d.protectedRecord())))
        .satisfies(dead -> {
          List<String> got = new ArrayList<>();
          dead.forEach(got::add);
          got.sort(null);
          assertEquals(2, got.size());
          assertThat(got.get(0), containsString("l:2|validate|field 'device_type' is 14"
              + " characters long; column user_logins.device_type holds at most 8|true|"));
          assertThat(got.get(1), containsString("l:3|validate|field 'ip' is "));
          assertThat(got.get(1), containsString("characters long once hashed; column"
              + " user_logins.masked_ip holds at most 20|true|"));
          for (String d : got) {
            assertFalse(d, d.contains("android"));
            assertFalse(d, d.contains("10.9.8.7"));
          }
          return null;
        });
    p.run();
  }
}
