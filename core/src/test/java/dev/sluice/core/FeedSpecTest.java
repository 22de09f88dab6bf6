package dev.sluice.core;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldSpec;
import dev.sluice.core.spec.FieldType;
import dev.sluice.core.spec.PiiAction;
import dev.sluice.core.spec.SpecException;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.joda.time.Duration;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Feed specs: the shipped ones parse; wrong ones fail naming the place and the problem. */
@RunWith(JUnit4.class)
public class FeedSpecTest {
  private static final String WHERE = "bad.json";

  /** Parses a spec expected to fail and checks its message names the file and each fragment. */
  private static void assertFails(String json, String... fragments) {
    SpecException e = assertThrows(SpecException.class, () -> FeedSpec.parse(json, WHERE));
    assertThat(e.getMessage(), startsWith(WHERE + ": "));
    for (String f : fragments) {
      assertThat(e.getMessage(), containsString(f));
    }
  }

  /** The shipped events spec parses into the feed it describes. */
  @Test
  public void shippedEventsSpecParses() {
    FeedSpec s = Fixtures.events();
    assertEquals("events", s.name);
    assertEquals(FeedSpec.Format.JSON, s.format);
    // Six named fields, email, and the extra_fields column of "extra_fields": "keep".
    assertEquals(8, s.fields.size());
    assertEquals(List.of("event_uuid"), s.dedupKey);
    assertEquals(Duration.standardHours(24), s.dedupTtl);
    assertEquals("created_at", s.eventTime);
    assertEquals("event_type={event_type}/dt={created_at:yyyy-MM-dd}", s.partitionTemplate);
    assertEquals("events", s.table);
    assertEquals(List.of("event_uuid"), s.tableKeyColumns());
    assertFalse(s.keyedBySource());

    FieldSpec subtype = s.field("event_subtype");
    assertTrue(subtype.isDerived());
    assertEquals("event_name", subtype.split.from);
    assertEquals(":", subtype.split.separator);
    assertEquals(1, subtype.split.index);
    assertEquals(FieldType.TIMESTAMP, s.field("created_at").type);
    assertEquals("epoch_seconds", s.field("created_at").format);
    assertEquals(FieldType.JSON, s.field("payload").type);
    assertEquals(
        List.of("event_uuid", "event_name", "event_type", "event_subtype", "created_at",
            "payload", "email", "extra_fields"),
        s.outputSchema().getFieldNames());
    assertEquals(Schema.FieldType.DATETIME.withNullable(true),
        s.parsedSchema().getField("created_at").getType());
  }

  /** The shipped user_logins spec parses; ip and device id are hashed into masked columns. */
  @Test
  public void shippedUserLoginsSpecParses() {
    FeedSpec s = Fixtures.userLogins();
    assertEquals("user_logins", s.name);
    assertEquals(PiiAction.HASH, s.field("ip").pii);
    assertEquals("masked_ip", s.field("ip").column);
    assertEquals(PiiAction.HASH, s.field("device_id").pii);
    assertEquals("masked_device_id", s.field("device_id").column);
    assertEquals(List.of(FieldSpec.Cleanse.TRIM, FieldSpec.Cleanse.LOWER),
        s.field("device_type").cleanse);
    assertTrue(s.keyedBySource());
    assertEquals(List.of(FeedSpec.SOURCE_ID), s.dedupColumns());
    assertNull(s.eventTime);
    assertEquals("", s.partitionTemplate);
    assertEquals(
        List.of("user_id", "app_version", "device_type", "masked_ip", "locale",
            "masked_device_id", FeedSpec.SOURCE_ID),
        s.outputSchema().getFieldNames());
    assertEquals(
        List.of("user_id", "app_version", "device_type", "ip", "locale", "device_id",
            FeedSpec.SOURCE_ID),
        s.parsedSchema().getFieldNames());
  }

  /** A CSV spec with a header, a dropped field and a mask parses with its defaults. */
  @Test
  public void csvSpecWithDropAndMaskParses() {
    FeedSpec s =
        FeedSpec.parse(
            """
            {"name": "cards", "format": {"type": "csv", "delimiter": ";"},
             "null_values": ["", "N/A"],
             "fields": [
               {"name": "id", "required": true},
               {"name": "card", "pii": "mask", "mask": {"keep_first": 6, "keep_last": 4}},
               {"name": "ssn", "pii": "drop"}],
             "dedup": {"key": "id", "ttl": "PT2H"}}
            """,
            WHERE);
    assertEquals(FeedSpec.Format.CSV, s.format);
    assertTrue(s.csvHeader);
    assertEquals(';', s.csvDelimiter);
    assertEquals(List.of("", "N/A"), s.nullTokens);
    assertEquals(List.of("id", "card"), s.outputSchema().getFieldNames());
    assertEquals(6, s.field("card").maskKeepFirst);
    assertEquals(Duration.standardHours(2), s.dedupTtl);
    assertEquals("cards", s.table);
  }

  /** An unknown field type fails naming the field, its type key and the bad type. */
  @Test
  public void unknownTypeFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a", "type": "varchar"}]}
        """,
        "field 'a'", ".type", "unknown type 'varchar'");
  }

  /** An unknown PII action fails naming the field and the action. */
  @Test
  public void unknownPiiActionFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "ip", "pii": "scramble"}]}
        """,
        "field 'ip'.pii", "unknown action 'scramble'");
  }

  /** A dedup key naming no field fails at dedup.key with the name. */
  @Test
  public void dedupKeyNamingNoFieldFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "id", "required": true}],
         "dedup": {"key": ["uuid"]}}
        """,
        "dedup.key", "names no field", "'uuid'");
  }

  /** A dedup key on an optional field fails: a null key cannot be deduplicated. */
  @Test
  public void dedupKeyOnOptionalFieldFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "id"}], "dedup": {"key": "id"}}
        """,
        "dedup.key", "'id' must be required");
  }

  /** A table name that would inject SQL fails at table.name. */
  @Test
  public void unsafeTableNameFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a"}],
         "table": {"name": "users; drop"}}
        """,
        "table.name", "'users; drop' is not allowed");
  }

  /** An unsafe column name fails naming the field and the column. */
  @Test
  public void unsafeColumnNameFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a", "column": "A\\"b"}]}
        """,
        "field 'a'.column", "is not allowed");
  }

  /** A partition placeholder naming no output column fails at partition with the name. */
  @Test
  public void partitionPlaceholderNamingNoColumnFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a"}],
         "partition": "a={a}/b={bee}"}
        """,
        "partition", "{bee} names no output column");
  }

  /** A partition placeholder on a dropped field fails: the column never reaches the output. */
  @Test
  public void partitionOnDroppedFieldFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a"}, {"name": "s", "pii": "drop"}],
         "partition": "s={s}"}
        """,
        "partition", "{s} names no output column");
  }

  /** A partition template that climbs out with '..' fails. */
  @Test
  public void partitionTemplateWithDotDotFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a"}], "partition": "../{a}"}
        """,
        "partition", "'..'");
  }

  /** A date pattern on a text column fails naming the placeholder. */
  @Test
  public void partitionPatternOnTextFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a"}], "partition": "{a:yyyy}"}
        """,
        "partition", "{a:yyyy}", "only dates and timestamps");
  }

  /** A TTL that is not a duration fails at dedup.ttl with the text. */
  @Test
  public void badDurationFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "id", "required": true}],
         "dedup": {"key": "id", "ttl": "3 fortnights"}}
        """,
        "dedup.ttl", "'3 fortnights' is not a duration");
  }

  /** A CSV without a header and without columns fails at format.columns. */
  @Test
  public void csvWithoutHeaderOrColumnsFails() {
    assertFails(
        """
        {"name": "f", "format": {"type": "csv", "header": false}, "fields": [{"name": "a"}]}
        """,
        "format.columns", "without a header needs its columns");
  }

  /** A CSV without a header whose field source is not a listed column fails naming both. */
  @Test
  public void csvSourceNotInColumnsFails() {
    assertFails(
        """
        {"name": "f", "format": {"type": "csv", "header": false, "columns": ["x", "y"]},
         "fields": [{"name": "a", "source": "z"}]}
        """,
        "field 'a'", "source 'z' is not one of format.columns");
  }

  /** A regex field whose source is not a named group fails, instead of every record throwing. */
  @Test
  public void regexSourceNotAGroupFails() {
    assertFails(
        """
        {"name": "f", "format": {"type": "regex", "pattern": "(?<ip>\\\\S+) (?<path>\\\\S+)"},
         "fields": [{"name": "ip"}, {"name": "status"}]}
        """,
        "field 'status'", "source 'status' is not a named group of format.pattern");
  }

  /** A regex spec whose fields all name groups parses. */
  @Test
  public void regexSpecParses() {
    FeedSpec s =
        FeedSpec.parse(
            """
            {"name": "f", "format": {"type": "regex", "pattern": "(?<ip>\\\\S+) (?<reqPath>\\\\S+)"},
             "fields": [{"name": "ip"}, {"name": "path", "source": "reqPath"}]}
            """,
            WHERE);
    assertEquals(FeedSpec.Format.REGEX, s.format);
    assertEquals("(?<ip>\\S+) (?<reqPath>\\S+)", s.regex);
  }

  /** A field derived from an unknown field fails naming the derived field and the source. */
  @Test
  public void derivedFromUnknownFieldFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a"},
          {"name": "b", "derive": {"split": {"from": "nope", "separator": ":", "index": 0}}}]}
        """,
        "field 'b'.derive.split.from", "names no field ('nope')");
  }

  /** A field declared twice fails naming it. */
  @Test
  public void duplicateFieldNamesFail() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a"}, {"name": "b"}, {"name": "a"}]}
        """,
        "field 'a'", "declared twice");
  }

  /** Two fields writing the same column fail naming the column. */
  @Test
  public void duplicateColumnsFail() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a"}, {"name": "b", "column": "a"}]}
        """,
        "field 'b'", "column 'a' is used by another field");
  }

  /** Text that is not JSON fails with the line and column of the problem. */
  @Test
  public void notJsonFails() {
    assertFails("{\"name\": \"f\",\n  \"format\": json}", "not valid JSON", "line 2");
  }

  /** A JSON value that is not an object fails. */
  @Test
  public void notAnObjectFails() {
    assertFails("[1, 2]", "a spec is a JSON object");
  }

  /** A misspelt top-level key fails naming it and the allowed keys. */
  @Test
  public void unknownKeyFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a"}], "dedupe": {}}
        """,
        "unknown key 'dedupe'", "allowed:");
  }

  /** An event time on a text field fails: it must be an unprotected timestamp. */
  @Test
  public void eventTimeOnTextFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a"}], "event_time": "a"}
        """,
        "event_time", "must be an unprotected timestamp");
  }

  /** A mask keeping more than the first 6 characters fails. */
  @Test
  public void maskKeepingTooMuchFails() {
    assertFails(
        """
        {"name": "f", "format": "json",
         "fields": [{"name": "card", "pii": "mask", "mask": {"keep_first": 8}}]}
        """,
        "field 'card'.mask", "keep_first may be 0 to 6");
  }

  /** A table key naming no output column fails at table.key. */
  @Test
  public void tableKeyNamingNoColumnFails() {
    assertFails(
        """
        {"name": "f", "format": "json", "fields": [{"name": "a"}],
         "table": {"name": "t", "key": ["b"]}}
        """,
        "table.key", "names no output column ('b')");
  }

  /** Messages print untrusted names without control characters. */
  @Test
  public void messagesDoNotEchoControlCharacters() {
    SpecException e =
        assertThrows(
            SpecException.class,
            () ->
                FeedSpec.parse(
                    "{\"name\": \"f\", \"format\": \"json\","
                        + " \"fields\": [{\"name\": \"a\", \"pii\": \"x\\u001b[31my\"}]}",
                    WHERE));
    assertThat(e.getMessage(), not(containsString("\u001b")));
    assertThat(e.getMessage(), containsString("unknown action 'x?[31my'"));
  }
}
