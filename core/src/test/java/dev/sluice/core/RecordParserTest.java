package dev.sluice.core;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import dev.sluice.core.model.RawRecord;
import dev.sluice.core.spec.FeedSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.beam.sdk.values.Row;
import org.joda.time.ReadableInstant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * One record at a time through the parser: good records become typed rows; hostile ones end as
 * a failure with a stage and a reason that names the problem but never holds the raw value.
 */
@RunWith(JUnit4.class)
public class RecordParserTest {
  private static final FeedSpec EVENTS = Fixtures.events();

  /** A CSV feed with a header, two null tokens and every cleansing step. */
  private static final FeedSpec PEOPLE =
      FeedSpec.parse(
          """
          {"name": "people", "format": {"type": "csv"}, "null_values": ["", "N/A"],
           "fields": [
             {"name": "user_id", "required": true, "cleanse": ["trim"]},
             {"name": "full_name", "cleanse": ["collapse_whitespace"]},
             {"name": "country", "cleanse": ["trim", "upper"]},
             {"name": "email", "cleanse": ["trim", "lower"]},
             {"name": "age", "type": "int"},
             {"name": "note"}],
           "dedup": {"key": "user_id"}}
          """,
          "people.json");

  private static final String HEADER = "user_id,full_name,country,email,age,note";

  private static RecordParser.Result parse(FeedSpec spec, byte[] payload) {
    return new RecordParser(spec).parse(RawRecord.of(payload, "test:1"));
  }

  private static RecordParser.Result parse(FeedSpec spec, String payload) {
    return parse(spec, Fixtures.utf8(payload));
  }

  private static RecordParser.Result csv(String header, String record) {
    return new RecordParser(PEOPLE)
        .parse(new RawRecord(Fixtures.utf8(record), "people.csv:2", "people.csv:2", 0L, header));
  }

  /** Checks a failure's stage, that its reason holds each fragment and none of the secrets. */
  private static void assertRejected(
      RecordParser.Result r, String stage, String[] fragments, String... secrets) {
    assertFalse("expected a failure", r.ok());
    assertNull(r.row);
    assertEquals(r.reason, stage, r.stage);
    for (String f : fragments) {
      assertThat(r.reason, containsString(f));
    }
    for (String s : secrets) {
      assertThat(r.reason, not(containsString(s)));
    }
  }

  private static String[] has(String... fragments) {
    return fragments;
  }

  private static String event(String uuid, String name, String createdAt) {
    return "{\"event_uuid\": " + uuid + ", \"event_name\": " + name + ", \"created_at\": "
        + createdAt + ", \"payload\": {\"plan\": \"pro\"}}";
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  // ---------------------------------------------------------------------------------------
  // JSON: good records

  /** A good event becomes a typed row: trimmed id, split name, UTC instant, compact JSON. */
  @Test
  public void goodEventBecomesTypedRow() {
    RecordParser.Result r =
        parse(EVENTS, "{\"event_uuid\": \" u-1 \", \"event_name\": \"account:created\","
            + " \"created_at\": 1709978400, \"payload\": {\"plan\": \"pro\", \"n\": [1, 2.5]},"
            + " \"ignored\": \"x\"}");
    assertTrue(r.reason, r.ok());
    Row row = r.row;
    assertEquals("u-1", row.getString("event_uuid"));
    assertEquals("account:created", row.getString("event_name"));
    assertEquals("account", row.getString("event_type"));
    assertEquals("created", row.getString("event_subtype"));
    assertEquals("{\"plan\":\"pro\",\"n\":[1,2.5]}", row.getString("payload"));
    ReadableInstant t = row.getDateTime("created_at");
    assertEquals(java.time.Instant.parse("2024-03-09T10:00:00Z").toEpochMilli(), t.getMillis());
  }

  /** A subtype may itself hold the separator: only the first ':' splits. */
  @Test
  public void eventNameSplitsAtFirstSeparator() {
    RecordParser.Result r =
        parse(EVENTS, event("\"u-2\"", "\"payment:refund:partial\"", "1709978400"));
    assertTrue(r.reason, r.ok());
    assertEquals("payment", r.row.getString("event_type"));
    assertEquals("refund:partial", r.row.getString("event_subtype"));
  }

  /** The optional JSON payload may be absent; the row then holds null. */
  @Test
  public void missingOptionalPayloadIsNull() {
    RecordParser.Result r =
        parse(EVENTS, "{\"event_uuid\": \"u-3\", \"event_name\": \"a:b\", \"created_at\": 0}");
    assertTrue(r.reason, r.ok());
    assertNull(r.row.getString("payload"));
    assertEquals(0L, r.row.getDateTime("created_at").getMillis());
  }

  /** A feed without a natural key gets a source id: the first 16 bytes of SHA-256, in hex. */
  @Test
  public void keylessFeedGetsSourceId() throws Exception {
    RawRecord rec =
        RawRecord.of(Fixtures.utf8("{\"user_id\": \"u1\", \"ip\": \"10.0.0.1\"}"),
            "s3://bucket/logins/part-1.jsonl:7");
    RecordParser.Result r = new RecordParser(Fixtures.userLogins()).parse(rec);
    assertTrue(r.reason, r.ok());
    byte[] d = MessageDigest.getInstance("SHA-256")
        .digest("s3://bucket/logins/part-1.jsonl:7".getBytes(StandardCharsets.UTF_8));
    String expected = HexFormat.of().formatHex(Arrays.copyOf(d, 16));
    assertEquals(expected, r.row.getString(FeedSpec.SOURCE_ID));
    assertEquals("10.0.0.1", r.row.getString("ip"));
  }

  // ---------------------------------------------------------------------------------------
  // JSON: hostile input

  /** A truncated object is a parse failure. */
  @Test
  public void truncatedJson() {
    assertRejected(parse(EVENTS, "{\"event_uuid\": \"secret-1\", \"event_name\": \"acc"),
        RecordParser.STAGE_PARSE, has("not valid JSON", "truncated"), "secret-1", "acc");
  }

  /** An array is not a record. */
  @Test
  public void arrayIsNotAnObject() {
    assertRejected(parse(EVENTS, "[13579, 24680]"), RecordParser.STAGE_PARSE,
        has("not a JSON object", "array"), "13579", "24680");
  }

  /** A bare string is not a record. */
  @Test
  public void stringIsNotAnObject() {
    assertRejected(parse(EVENTS, "\"hunter2-password\""), RecordParser.STAGE_PARSE,
        has("not a JSON object", "string"), "hunter2");
  }

  /** A bare number is not a record. */
  @Test
  public void numberIsNotAnObject() {
    assertRejected(parse(EVENTS, "4242424242"), RecordParser.STAGE_PARSE,
        has("not a JSON object", "number"), "4242424242");
  }

  /** A key given twice is refused rather than resolved silently to one of the values. */
  @Test
  public void duplicateKeys() {
    assertRejected(
        parse(EVENTS, "{\"event_uuid\": \"dup-first\", \"event_uuid\": \"dup-second\","
            + " \"event_name\": \"a:b\", \"created_at\": 1}"),
        RecordParser.STAGE_PARSE, has("a key appears twice"), "dup-first", "dup-second");
  }

  /** A lone surrogate escape cannot be stored as text. */
  @Test
  public void loneSurrogateEscape() {
    assertRejected(parse(EVENTS, event("\"abq\\ud800cdq\"", "\"a:b\"", "1")),
        RecordParser.STAGE_VALIDATE, has("event_uuid", "lone UTF-16 surrogate"), "abq", "cdq",
        "\ud800");
  }

  /** A lone surrogate inside a JSON-typed field is caught too. */
  @Test
  public void loneSurrogateInsideJsonField() {
    assertRejected(
        parse(EVENTS, "{\"event_uuid\": \"u\", \"event_name\": \"a:b\", \"created_at\": 1,"
            + " \"payload\": {\"k\": \"\\udc00zz\"}}"),
        RecordParser.STAGE_VALIDATE, has("payload", "lone UTF-16 surrogate"), "zz");
  }

  /** A raw NUL byte is a parse failure that gives the offset, not the text around it. */
  @Test
  public void rawNulByte() {
    byte[] in = concat(Fixtures.utf8("{\"event_uuid\": \"nul"), new byte[] {0},
        Fixtures.utf8("secret\", \"event_name\": \"a:b\", \"created_at\": 1}"));
    assertRejected(parse(EVENTS, in), RecordParser.STAGE_PARSE, has("NUL"), "nul", "secret");
  }

  /** An escaped NUL (\u0000) is refused at validation, naming the field. */
  @Test
  public void escapedNul() {
    assertRejected(parse(EVENTS, event("\"nul\\u0000secret\"", "\"a:b\"", "1")),
        RecordParser.STAGE_VALIDATE, has("event_uuid", "NUL"), "secret");
  }

  /** A 10 MB line is over the 1 MiB default limit and refused before it is decoded. */
  @Test
  public void tenMegabyteLineOverLimit() {
    StringBuilder b = new StringBuilder("{\"event_uuid\": \"");
    for (int i = 0; i < 10 * 1024 * 1024; i++) {
      b.append('x');
    }
    b.append("\", \"event_name\": \"a:b\", \"created_at\": 1}");
    assertEquals(1L << 20, EVENTS.maxRecordBytes);
    assertRejected(parse(EVENTS, b.toString()), RecordParser.STAGE_PARSE,
        has("over the feed's limit", "max_record_bytes"), "xxxxxxxx");
  }

  /** Invalid UTF-8 (0xC3 0x28) is a parse failure, not replacement characters in the output. */
  @Test
  public void invalidUtf8() {
    byte[] in = concat(Fixtures.utf8("{\"event_uuid\": \"caf"), new byte[] {(byte) 0xC3, 0x28},
        Fixtures.utf8("\", \"event_name\": \"a:b\", \"created_at\": 1}"));
    assertRejected(parse(EVENTS, in), RecordParser.STAGE_PARSE, has("not valid UTF-8"), "caf");
  }

  /** Garbage after the object is refused. */
  @Test
  public void trailingGarbage() {
    assertRejected(parse(EVENTS, event("\"u\"", "\"a:b\"", "1") + " trailingsecret"),
        RecordParser.STAGE_PARSE, has("not valid JSON"), "trailingsecret");
  }

  /** A second object on the same line is refused, not silently ignored. */
  @Test
  public void secondObjectOnTheLine() {
    assertRejected(
        parse(EVENTS, event("\"u\"", "\"a:b\"", "1") + " {\"event_uuid\": \"second-secret\"}"),
        RecordParser.STAGE_PARSE, has("more than one JSON value"), "second-secret");
  }

  /** A blank line is a parse failure, not an empty row. */
  @Test
  public void blankLine() {
    assertRejected(parse(EVENTS, "   "), RecordParser.STAGE_PARSE, has("blank"));
  }

  // ---------------------------------------------------------------------------------------
  // The events feed's rules

  /** event_uuid absent: required but missing. */
  @Test
  public void eventUuidMissing() {
    assertRejected(parse(EVENTS, "{\"event_name\": \"a:b\", \"created_at\": 1}"),
        RecordParser.STAGE_VALIDATE, has("field 'event_uuid'", "required", "missing"));
  }

  /** event_uuid null: required but missing. */
  @Test
  public void eventUuidNull() {
    assertRejected(parse(EVENTS, event("null", "\"a:b\"", "1")),
        RecordParser.STAGE_VALIDATE, has("field 'event_uuid'", "required"));
  }

  /** event_uuid of blanks: trimmed to empty, which is null, which is required. */
  @Test
  public void eventUuidEmpty() {
    assertRejected(parse(EVENTS, event("\"   \"", "\"a:b\"", "1")),
        RecordParser.STAGE_VALIDATE, has("field 'event_uuid'", "required but empty"));
  }

  /** event_uuid as an object is refused naming the type found. */
  @Test
  public void eventUuidObject() {
    assertRejected(parse(EVENTS, event("{\"x\": \"objsecret\"}", "\"a:b\"", "1")),
        RecordParser.STAGE_VALIDATE, has("field 'event_uuid'", "an object"), "objsecret");
  }

  /** An event name without ':' cannot give a type and subtype. */
  @Test
  public void eventNameWithoutSeparator() {
    assertRejected(parse(EVENTS, event("\"u\"", "\"accountcreated\"", "1")),
        RecordParser.STAGE_VALIDATE, has("event_name", "':'", "event_type"), "accountcreated");
  }

  /** An event name ending in ':' leaves the required subtype empty. */
  @Test
  public void eventNameWithEmptySubtype() {
    assertRejected(parse(EVENTS, event("\"u\"", "\"account:\"", "1")),
        RecordParser.STAGE_VALIDATE, has("field 'event_subtype'", "required but empty"),
        "account");
  }

  /** created_at as a date string is not epoch seconds. */
  @Test
  public void createdAtAsDateString() {
    assertRejected(parse(EVENTS, event("\"u\"", "\"a:b\"", "\"2024-03-09T10:00:00Z\"")),
        RecordParser.STAGE_VALIDATE, has("field 'created_at'", "epoch seconds"), "2024-03-09");
  }

  /** created_at as a float of seconds loads, to the millisecond (producers stamp it so). */
  @Test
  public void createdAtFractionOfSeconds() {
    RecordParser.Result r = parse(EVENTS, event("\"u\"", "\"a:b\"", "1709978400.5129"));
    assertTrue(r.reason, r.ok());
    assertEquals(1709978400512L, r.row.getDateTime("created_at").getMillis());
  }

  /**
   * epoch_millis, epoch_seconds with fractions (JSON numbers and text), and epoch, which tells
   * seconds from milliseconds by magnitude (1e11 and above are milliseconds).
   */
  @Test
  public void epochFormats() {
    FeedSpec spec =
        FeedSpec.parse(
            "{\"name\": \"t\", \"format\": \"json\", \"fields\": ["
                + "{\"name\": \"ms\", \"type\": \"timestamp\", \"format\": \"epoch_millis\"},"
                + "{\"name\": \"s\", \"type\": \"timestamp\", \"format\": \"epoch_seconds\"},"
                + "{\"name\": \"a\", \"type\": \"timestamp\", \"format\": \"epoch\"},"
                + "{\"name\": \"b\", \"type\": \"timestamp\", \"format\": \"epoch\"}]}",
            "t.json");
    long at = java.time.Instant.parse("2024-03-09T10:00:00.250Z").toEpochMilli();
    RecordParser.Result r = parse(spec, "{\"ms\": 1709978400250, \"s\": \"1709978400.25\","
        + " \"a\": 1709978400250, \"b\": 1709978400.25}");
    assertTrue(r.reason, r.ok());
    assertEquals(at, r.row.getDateTime("ms").getMillis());
    assertEquals(at, r.row.getDateTime("s").getMillis());
    assertEquals(at, r.row.getDateTime("a").getMillis());
    assertEquals(at, r.row.getDateTime("b").getMillis());
    // Milliseconds read as seconds would be beyond year 9999: epoch_seconds still says so.
    assertRejected(parse(spec, "{\"s\": 1709978400250}"), RecordParser.STAGE_VALIDATE,
        has("field 's'", "beyond year 9999"), "1709978400250");
    assertRejected(parse(spec, "{\"b\": 1e99999999}"), RecordParser.STAGE_VALIDATE,
        has("field 'b'", "beyond year 9999"));
    assertRejected(parse(spec, "{\"a\": \"soon\"}"), RecordParser.STAGE_VALIDATE,
        has("field 'a'", "epoch seconds or milliseconds"), "soon");
  }

  /** created_at as a boolean is refused naming the type found. */
  @Test
  public void createdAtBoolean() {
    assertRejected(parse(EVENTS, event("\"u\"", "\"a:b\"", "true")),
        RecordParser.STAGE_VALIDATE, has("field 'created_at'", "boolean"));
  }

  /** created_at far beyond year 9999 is refused rather than overflowing. */
  @Test
  public void createdAtBeyondYear9999() {
    assertRejected(parse(EVENTS, event("\"u\"", "\"a:b\"", "9223372036854775807")),
        RecordParser.STAGE_VALIDATE, has("field 'created_at'", "9999"), "922337");
  }

  /** A validate failure keeps what did convert, for the dead letter's protected view. */
  @Test
  public void validateFailureKeepsPartialValues() {
    RecordParser.Result r = parse(EVENTS, event("\"u-9\"", "\"nocolon\"", "1"));
    assertFalse(r.ok());
    assertNotNull(r.partial);
    assertEquals("u-9", r.partial.get("event_uuid"));
  }

  // ---------------------------------------------------------------------------------------
  // CSV

  /** Quoted fields keep commas, newlines and escaped quotes; cleansing applies per field. */
  @Test
  public void csvQuotedFieldsAndCleansing() {
    RecordParser.Result r =
        csv(HEADER, " u1 ,\"Doe,  \t Jane \",de ,  Jane@Example.COM ,42,\"two\nlines, "
            + "\"\"quoted\"\"\"");
    assertTrue(r.reason, r.ok());
    assertEquals("u1", r.row.getString("user_id"));
    assertEquals("Doe, Jane", r.row.getString("full_name"));
    assertEquals("DE", r.row.getString("country"));
    assertEquals("jane@example.com", r.row.getString("email"));
    assertEquals(Integer.valueOf(42), r.row.getInt32("age"));
    assertEquals("two\nlines, \"quoted\"", r.row.getString("note"));
  }

  /** Null tokens (empty, N/A in any case, surrounded by blanks) become null. */
  @Test
  public void csvNullTokens() {
    RecordParser.Result r = csv(HEADER, "u2,N/A, n/a ,,N/A,");
    assertTrue(r.reason, r.ok());
    assertEquals("u2", r.row.getString("user_id"));
    assertNull(r.row.getString("full_name"));
    assertNull(r.row.getString("country"));
    assertNull(r.row.getString("email"));
    assertNull(r.row.getInt32("age"));
    assertNull(r.row.getString("note"));
  }

  /** Header names match fields after trimming, lower-casing and spaces as underscores. */
  @Test
  public void csvHeaderNamesNormalised() {
    RecordParser.Result r =
        csv(" User ID ,Full  Name,COUNTRY,\tEmail,Age,NOTE ", "u3,Ann,fr,a@b.c,7,n");
    assertTrue(r.reason, r.ok());
    assertEquals("u3", r.row.getString("user_id"));
    assertEquals("Ann", r.row.getString("full_name"));
    assertEquals("FR", r.row.getString("country"));
    assertEquals(Integer.valueOf(7), r.row.getInt32("age"));
  }

  /** A byte-order mark before the header's first name does not hide that column. */
  @Test
  public void csvBomInHeader() {
    RecordParser.Result r = csv("\uFEFF" + HEADER, "u4,Ann,fr,a@b.c,7,n");
    assertTrue(r.reason, r.ok());
    assertEquals("u4", r.row.getString("user_id"));
  }

  /** A byte-order mark before a record's payload is not part of its first value. */
  @Test
  public void csvBomInRecord() {
    byte[] in = concat(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
        Fixtures.utf8("u5,Ann,fr,a@b.c,7,n"));
    RecordParser.Result r = new RecordParser(PEOPLE)
        .parse(new RawRecord(in, "p.csv:1", "p.csv:1", 0L, HEADER));
    assertTrue(r.reason, r.ok());
    assertEquals("u5", r.row.getString("user_id"));
  }

  /** A row with more values than the header is refused. */
  @Test
  public void csvTooManyValues() {
    assertRejected(csv(HEADER, "u6,a,b,c,1,d,EXTRASECRET"), RecordParser.STAGE_PARSE,
        has("7 values", "header has 6"), "EXTRASECRET");
  }

  /** A row with fewer values than the header is refused. */
  @Test
  public void csvTooFewValues() {
    assertRejected(csv(HEADER, "u7,shortsecret"), RecordParser.STAGE_PARSE,
        has("2 values", "header has 6"), "shortsecret");
  }

  /** An unterminated quote is refused as such. */
  @Test
  public void csvUnterminatedQuote() {
    assertRejected(csv(HEADER, "u8,\"never closed,x,y,1,z\nu9,a,b,c,1,d"),
        RecordParser.STAGE_PARSE, has("unterminated quoted field"), "never closed", "u9");
  }

  /** Text after a closing quote is refused as such. */
  @Test
  public void csvTextAfterClosingQuote() {
    assertRejected(csv(HEADER, "u10,\"Jane\"Doe,x,y,1,z"), RecordParser.STAGE_PARSE,
        has("text after a closing quote"), "Jane", "Doe");
  }

  /** A header without a field's column is refused naming the field. */
  @Test
  public void csvHeaderMissingAColumn() {
    assertRejected(csv("user_id,full_name,country,email,age,remark", "u,a,b,c,1,d"),
        RecordParser.STAGE_PARSE, has("no column for field 'note'"));
  }

  /** A record that came without its header is refused. */
  @Test
  public void csvWithoutHeader() {
    assertRejected(csv(null, "u,a,b,c,1,d"), RecordParser.STAGE_PARSE,
        has("no header line"));
  }

  /** A value that is not an int is refused naming the field, not the value. */
  @Test
  public void csvNotAnInteger() {
    assertRejected(csv(HEADER, "u11,a,b,c,fortytwo,d"), RecordParser.STAGE_VALIDATE,
        has("field 'age'", "integer"), "fortytwo");
  }

  /** An empty required value is refused. */
  @Test
  public void csvRequiredEmpty() {
    assertRejected(csv(HEADER, "  ,a,b,c,1,d"), RecordParser.STAGE_VALIDATE,
        has("field 'user_id'", "required but empty"));
  }

  /** Epoch seconds in a CSV cell give the same UTC instant as in JSON. */
  @Test
  public void csvEpochSecondsToUtcInstant() {
    FeedSpec spec =
        FeedSpec.parse(
            "{\"name\": \"t\", \"format\": {\"type\": \"csv\", \"header\": false,"
                + " \"columns\": [\"id\", \"ts\"]}, \"fields\": [{\"name\": \"id\"},"
                + " {\"name\": \"ts\", \"type\": \"timestamp\", \"format\": \"epoch_seconds\"}]}",
            "t.json");
    RecordParser.Result r = parse(spec, "a,1735516800");
    assertTrue(r.reason, r.ok());
    assertEquals(java.time.Instant.parse("2024-12-30T00:00:00Z").toEpochMilli(),
        r.row.getDateTime("ts").getMillis());
  }

  /** A JSON-typed CSV cell whose escape decodes to a lone surrogate is refused too. */
  @Test
  public void csvJsonCellWithLoneSurrogateEscape() {
    FeedSpec spec =
        FeedSpec.parse(
            "{\"name\": \"t\", \"format\": {\"type\": \"csv\", \"header\": false,"
                + " \"columns\": [\"id\", \"j\"]}, \"fields\": [{\"name\": \"id\"},"
                + " {\"name\": \"j\", \"type\": \"json\"}]}",
            "t.json");
    assertTrue(parse(spec, "1,\"{\"\"k\"\":\"\"ok\"\"}\"").ok());
    assertRejected(parse(spec, "1,\"{\"\"k\"\":\"\"zq\\ud800\"\"}\""),
        RecordParser.STAGE_VALIDATE, has("field 'j'", "lone UTF-16 surrogate"), "zq");
  }

  /** A log-line feed: named groups become fields; a line that does not match is refused. */
  @Test
  public void regexLines() {
    FeedSpec spec =
        FeedSpec.parse(
            "{\"name\": \"web\", \"format\": {\"type\": \"regex\", \"pattern\":"
                + " \"(?<ip>\\\\S+) (?<code>\\\\d{3})\"}, \"fields\": [{\"name\": \"ip\"},"
                + " {\"name\": \"status\", \"source\": \"code\", \"type\": \"int\"}]}",
            "web.json");
    RecordParser.Result good = parse(spec, "10.0.0.1 404");
    assertTrue(good.reason, good.ok());
    assertEquals("10.0.0.1", good.row.getString("ip"));
    assertEquals(Integer.valueOf(404), good.row.getInt32("status"));
    assertRejected(parse(spec, "10.0.0.2 four-oh-four"), RecordParser.STAGE_PARSE,
        has("does not match"), "10.0.0.2", "four");
  }

  /** An ISO timestamp without offset is read in the field's zone, with one offset it keeps it. */
  @Test
  public void isoTimestampZones() {
    FeedSpec spec =
        FeedSpec.parse(
            "{\"name\": \"t\", \"format\": \"json\", \"fields\": [{\"name\": \"ts\","
                + " \"type\": \"timestamp\", \"zone\": \"Europe/Berlin\"}]}",
            "t.json");
    RecordParser.Result local = parse(spec, "{\"ts\": \"2024-03-09 10:00:00\"}");
    assertTrue(local.reason, local.ok());
    assertEquals(java.time.Instant.parse("2024-03-09T09:00:00Z").toEpochMilli(),
        local.row.getDateTime("ts").getMillis());
    RecordParser.Result offset = parse(spec, "{\"ts\": \"2024-03-09T10:00:00-05:00\"}");
    assertTrue(offset.reason, offset.ok());
    assertEquals(java.time.Instant.parse("2024-03-09T15:00:00Z").toEpochMilli(),
        offset.row.getDateTime("ts").getMillis());
  }

  private static final FeedSpec NUMBERS =
      FeedSpec.parse(
          "{\"name\": \"n\", \"format\": \"json\", \"fields\": [{\"name\": \"id\","
              + " \"required\": true}, {\"name\": \"amount\", \"type\": \"decimal\"},"
              + " {\"name\": \"ratio\", \"type\": \"double\"},"
              + " {\"name\": \"count\", \"type\": \"long\"},"
              + " {\"name\": \"payload\", \"type\": \"json\"}]}",
          "n.json");

  /** A number no type can hold fails nothing in a field the spec does not use. */
  @Test
  public void hugeExponentInAnUnusedFieldIsIgnored() {
    RecordParser.Result r = parse(NUMBERS, "{\"id\": \"a\", \"note\": 1e9999999999,"
        + " \"deep\": {\"x\": [1e-99999999999]}, \"\\u0000\": \"\\u0000\"}");
    assertTrue(r.reason, r.ok());
    assertEquals("a", r.row.getString("id"));
    // Syntax is still checked in skipped fields.
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"note\": [1,}"), RecordParser.STAGE_PARSE,
        has("not valid JSON"));
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"id\": \"b\"}"),
        RecordParser.STAGE_PARSE, has("a key appears twice"));
  }

  /** Used fields: each number beyond its column type is a validate failure naming the field. */
  @Test
  public void numbersBeyondTheColumnTypeAreRejected() {
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"amount\": 1e9999999999}"),
        RecordParser.STAGE_VALIDATE, has("'amount'", "beyond what any column type"), "9999");
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"payload\": {\"v\": 1e9999999999}}"),
        RecordParser.STAGE_VALIDATE, has("'payload'", "beyond what any column type"), "9999");
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"amount\": 1e-20000}"),
        RecordParser.STAGE_VALIDATE, has("'amount'", "numeric"), "20000");
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"amount\": \"1e-20000\"}"),
        RecordParser.STAGE_VALIDATE, has("'amount'", "numeric"), "20000");
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"payload\": 1e-20000}"),
        RecordParser.STAGE_VALIDATE, has("'payload'", "numeric"), "20000");
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"payload\": {\"v\": [1e200000]}}"),
        RecordParser.STAGE_VALIDATE, has("'payload'", "numeric"), "200000");
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"ratio\": 1e999}"),
        RecordParser.STAGE_VALIDATE, has("'ratio'", "double"), "999");
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"ratio\": \"NaN\"}"),
        RecordParser.STAGE_VALIDATE, has("'ratio'", "double"));
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"count\": 9223372036854775808}"),
        RecordParser.STAGE_VALIDATE, has("'count'", "64 bits"), "922337");
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"count\": \"9223372036854775808\"}"),
        RecordParser.STAGE_VALIDATE, has("'count'", "64 bits"), "922337");
    // At the edges: what numeric, double and bigint hold loads, exactly.
    RecordParser.Result ok = parse(NUMBERS, "{\"id\": \"a\", \"amount\": 1.50e-16380,"
        + " \"ratio\": 1.7e308, \"count\": -9223372036854775808, \"payload\": {\"p\": 1.50}}");
    assertTrue(ok.reason, ok.ok());
    assertEquals(new java.math.BigDecimal("1.50e-16380"), ok.row.getDecimal("amount"));
    assertEquals(Long.valueOf(Long.MIN_VALUE), ok.row.getInt64("count"));
    assertEquals("{\"p\":1.50}", ok.row.getString("payload"));
  }

  /** NUL (written \\u0000) in a JSON field's string or key, or in a text field, is refused. */
  @Test
  public void nulInUsedFieldsIsRejected() {
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"payload\": \"\\u0000\"}"),
        RecordParser.STAGE_VALIDATE, has("'payload'", "NUL"));
    assertRejected(parse(NUMBERS, "{\"id\": \"a\", \"payload\": {\"k\\u0000\": 1}}"),
        RecordParser.STAGE_VALIDATE, has("'payload'", "key", "NUL"));
    assertRejected(parse(NUMBERS, "{\"id\": \"a\\u0000\"}"),
        RecordParser.STAGE_VALIDATE, has("'id'", "NUL"));
  }

  /**
   * derive.split with parts [1, 3]: cancel, account:created and payment:order:completed load
   * (type the first part, subtype the rest after the first separator, none for one part); four
   * parts are refused. The shipped events spec still requires two.
   */
  @Test
  public void splitTakesOneToThreeParts() {
    FeedSpec spec =
        FeedSpec.parse(
            "{\"name\": \"e\", \"format\": \"json\", \"fields\": [{\"name\": \"event_name\"},"
                + " {\"name\": \"t\", \"required\": true, \"derive\": {\"split\": {\"from\":"
                + " \"event_name\", \"separator\": \":\", \"index\": 0, \"parts\": [1, 3]}}},"
                + " {\"name\": \"s\", \"derive\": {\"split\": {\"from\": \"event_name\","
                + " \"separator\": \":\", \"index\": 1, \"parts\": [1, 3]}}}]}",
            "e.json");
    String[][] cases = {
      {"cancel", "cancel", null},
      {"account:created", "account", "created"},
      {"payment:order:completed", "payment", "order:completed"},
    };
    for (String[] c : cases) {
      RecordParser.Result r = parse(spec, "{\"event_name\": \"" + c[0] + "\"}");
      assertTrue(r.reason, r.ok());
      assertEquals(c[0], c[1], r.row.getString("t"));
      assertEquals(c[0], c[2], r.row.getString("s"));
    }
    assertRejected(parse(spec, "{\"event_name\": \"a:b:c:dd\"}"), RecordParser.STAGE_VALIDATE,
        has("field 'event_name' has 4 parts separated by ':'; the spec takes 1 to 3"), "dd");
    assertRejected(parse(EVENTS, event("\"u\"", "\"cancel\"", "1")),
        RecordParser.STAGE_VALIDATE, has("has no ':' to split into"), "cancel");
  }
}
