package dev.sluice.core;

import static org.junit.Assert.assertEquals;

import dev.sluice.core.spec.FeedSpec;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.values.Row;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Output rows as JSON lines and CSV lines. */
@RunWith(JUnit4.class)
public class RowEncoderTest {
  private static final FeedSpec EVENTS = Fixtures.events();
  /** The shipped events spec's last columns, null in these rows: email and extra_fields. */
  private static final String NULL_TAIL = ",\"email\":null,\"extra_fields\":null}";

  /** Every column type but json, to see each one's text form. */
  private static final FeedSpec TYPES =
      FeedSpec.parse(
          """
          {"name": "types", "format": "json", "fields": [
            {"name": "s", "required": true}, {"name": "i", "type": "int"}, {"name": "l", "type": "long"},
            {"name": "d", "type": "double"}, {"name": "m", "type": "decimal"},
            {"name": "b", "type": "boolean"}, {"name": "day", "type": "date"},
            {"name": "ts", "type": "timestamp"}, {"name": "ip", "pii": "hash"}],
           "dedup": {"key": "s"}}
          """,
          "types.json");

  private static Instant at(String iso) {
    return new Instant(java.time.Instant.parse(iso).toEpochMilli());
  }

  private static Row event(String name, Instant t, String payload) {
    int colon = name.indexOf(':');
    return Row.withSchema(EVENTS.outputSchema())
        .addValues("e-1", name, name.substring(0, colon), name.substring(colon + 1), t, payload,
            null, null)
        .build();
  }

  private static List<String> parseCsv(String line) throws IOException {
    try (CSVParser p = CSVParser.parse(new StringReader(line), CSVFormat.RFC4180)) {
      List<CSVRecord> recs = p.getRecords();
      assertEquals(1, recs.size());
      List<String> cells = new ArrayList<>();
      recs.get(0).forEach(cells::add);
      return cells;
    }
  }

  /** A JSON line has the timestamp as ISO-8601 UTC and the json field embedded as JSON. */
  @Test
  public void jsonLineIsoTimestampAndRawJson() {
    String line = new RowEncoder(EVENTS)
        .jsonLine(event("account:created", at("2024-03-09T10:00:00Z"),
            "{\"plan\":\"pro\",\"n\":[1,2.50]}"));
    assertEquals(
        "{\"event_uuid\":\"e-1\",\"event_name\":\"account:created\",\"event_type\":\"account\","
            + "\"event_subtype\":\"created\",\"created_at\":\"2024-03-09T10:00:00Z\","
            + "\"payload\":{\"plan\":\"pro\",\"n\":[1,2.50]}" + NULL_TAIL,
        line);
  }

  /** Milliseconds are kept in the timestamp, and a null json field is a JSON null. */
  @Test
  public void jsonLineMillisAndNull() {
    String line = new RowEncoder(EVENTS)
        .jsonLine(event("a:b", at("2024-03-09T10:00:00.123Z"), null));
    assertEquals(
        "{\"event_uuid\":\"e-1\",\"event_name\":\"a:b\",\"event_type\":\"a\","
            + "\"event_subtype\":\"b\",\"created_at\":\"2024-03-09T10:00:00.123Z\","
            + "\"payload\":null" + NULL_TAIL,
        line);
  }

  /** Text with quotes, newlines and control characters is escaped, not written raw. */
  @Test
  public void jsonLineEscapesText() {
    String line = new RowEncoder(EVENTS)
        .jsonLine(event("say \"hi\"\n\t\u0001:x", at("2024-03-09T10:00:00Z"), "[]"));
    assertEquals(
        "{\"event_uuid\":\"e-1\",\"event_name\":\"say \\\"hi\\\"\\n\\t\\u0001:x\","
            + "\"event_type\":\"say \\\"hi\\\"\\n\\t\\u0001\",\"event_subtype\":\"x\","
            + "\"created_at\":\"2024-03-09T10:00:00Z\",\"payload\":[]" + NULL_TAIL,
        line);
  }

  /** Numbers stay numbers, decimals keep their scale, dates and timestamps are ISO text. */
  @Test
  public void jsonLineTypes() {
    Row row = Row.withSchema(TYPES.outputSchema())
        .addValues("x", 7, 9_000_000_000L, 0.5, new BigDecimal("1.50"), true,
            LocalDate.of(2024, 2, 29), at("2024-02-29T23:00:00Z"), "v1:abc")
        .build();
    assertEquals(
        "{\"s\":\"x\",\"i\":7,\"l\":9000000000,\"d\":0.5,\"m\":1.50,\"b\":true,"
            + "\"day\":\"2024-02-29\",\"ts\":\"2024-02-29T23:00:00Z\",\"ip\":\"v1:abc\"}",
        new RowEncoder(TYPES).jsonLine(row));
  }

  /** The CSV header lists the output columns, a keyless feed's source id last. */
  @Test
  public void csvHeader() {
    assertEquals("event_uuid,event_name,event_type,event_subtype,created_at,payload,email,"
            + "extra_fields",
        new RowEncoder(EVENTS).csvHeader());
    assertEquals(
        "user_id,app_version,device_type,masked_ip,locale,masked_device_id,_source_id",
        new RowEncoder(Fixtures.userLogins()).csvHeader());
  }

  /** CSV quotes values holding a comma, a quote or a newline and doubles inner quotes. */
  @Test
  public void csvLineQuoting() {
    String line = new RowEncoder(EVENTS)
        .csvLine(event("say \"hi\", bob\nbye:plain", at("2024-03-09T10:00:00Z"),
            "{\"a\":1,\"b\":2}"));
    assertEquals(
        "e-1,\"say \"\"hi\"\", bob\nbye:plain\",\"say \"\"hi\"\", bob\nbye\",plain,"
            + "2024-03-09T10:00:00Z,\"{\"\"a\"\":1,\"\"b\"\":2}\",,",
        line);
  }

  /** A CSV line reads back with an RFC 4180 parser to the same values; null is empty. */
  @Test
  public void csvLineRoundTrip() throws IOException {
    Row row = Row.withSchema(TYPES.outputSchema())
        .addValues("a,\"b\"\r\nc", null, 9_000_000_000L, 0.5, new BigDecimal("1.50"), false,
            LocalDate.of(2024, 2, 29), at("2024-02-29T23:00:00.5Z"), null)
        .build();
    assertEquals(
        List.of("a,\"b\"\r\nc", "", "9000000000", "0.5", "1.50", "false", "2024-02-29",
            "2024-02-29T23:00:00.500Z", ""),
        parseCsv(new RowEncoder(TYPES).csvLine(row)));
  }

  /** One encoder writes many rows: no state leaks from one line into the next. */
  @Test
  public void encoderIsReusable() {
    RowEncoder enc = new RowEncoder(EVENTS);
    String first = enc.jsonLine(event("a:b", at("2024-03-09T10:00:00Z"), "{\"long\":\"value\"}"));
    String second = enc.jsonLine(event("c:d", at("2024-03-09T10:00:00Z"), "1"));
    assertEquals(
        "{\"event_uuid\":\"e-1\",\"event_name\":\"c:d\",\"event_type\":\"c\","
            + "\"event_subtype\":\"d\",\"created_at\":\"2024-03-09T10:00:00Z\",\"payload\":1"
            + NULL_TAIL,
        second);
    assertEquals('}', first.charAt(first.length() - 1));
  }
}
