package dev.sluice.core;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;

import dev.sluice.core.spec.FeedSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Cutting bytes into records: lines, CSV quotes, BOM, CRLF, headers and line numbers. */
@RunWith(JUnit4.class)
public class RecordSplitterTest {
  private static final FeedSpec CSV =
      FeedSpec.parse(
          "{\"name\": \"c\", \"format\": {\"type\": \"csv\"},"
              + " \"fields\": [{\"name\": \"id\"}, {\"name\": \"note\"}]}",
          "csv.json");

  /** One record as the receiver saw it. */
  private static final class Rec {
    final String text;
    final byte[] bytes;
    final long line;
    final String header;

    Rec(byte[] bytes, long line, String header) {
      this.bytes = bytes;
      this.text = new String(bytes, StandardCharsets.UTF_8);
      this.line = line;
      this.header = header;
    }
  }

  private static List<Rec> split(RecordSplitter s, byte[] input) throws IOException {
    return split(s, new ByteArrayInputStream(input), -1);
  }

  private static List<Rec> split(RecordSplitter s, InputStream in, long expectCount)
      throws IOException {
    List<Rec> out = new ArrayList<>();
    long n = s.split(in, (payload, line, header) -> out.add(new Rec(payload, line, header)));
    assertEquals("returned count", out.size(), n);
    if (expectCount >= 0) {
      assertEquals(expectCount, n);
    }
    return out;
  }

  private static List<String> texts(List<Rec> recs) {
    List<String> t = new ArrayList<>();
    for (Rec r : recs) {
      t.add(r.text);
    }
    return t;
  }

  private static List<Long> lines(List<Rec> recs) {
    List<Long> t = new ArrayList<>();
    for (Rec r : recs) {
      t.add(r.line);
    }
    return t;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }

  private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

  /** JSON lines with CRLF endings lose the CR; blank lines are skipped but still counted. */
  @Test
  public void jsonLinesWithCrlfAndEmptyLines() throws IOException {
    byte[] in = bytes("{\"a\":1}\r\n\r\n\n{\"a\":2}\r\n   \r\n{\"a\":3}\n");
    List<Rec> recs = split(RecordSplitter.lines(), in);
    assertEquals(List.of("{\"a\":1}", "{\"a\":2}", "   ", "{\"a\":3}"), texts(recs));
    assertEquals(List.of(1L, 4L, 5L, 6L), lines(recs));
    assertNull(recs.get(0).header);
  }

  /** A UTF-8 byte-order mark at the start of a file is not part of the first record. */
  @Test
  public void bomAtStartIsStripped() throws IOException {
    byte[] in = concat(BOM, bytes("{\"a\":1}\n{\"a\":2}\n"));
    List<Rec> recs = split(RecordSplitter.lines(), in);
    assertEquals(List.of("{\"a\":1}", "{\"a\":2}"), texts(recs));
    assertArrayEquals(bytes("{\"a\":1}"), recs.get(0).bytes);
  }

  /** A file that is only a BOM and a newline holds no record. */
  @Test
  public void bomOnlyFileHoldsNothing() throws IOException {
    assertEquals(0, split(RecordSplitter.lines(), concat(BOM, bytes("\n"))).size());
    assertEquals(0, split(RecordSplitter.lines(), BOM).size());
  }

  /** The last line counts even without a newline, and its CR is stripped too. */
  @Test
  public void lastLineWithoutNewline() throws IOException {
    List<Rec> recs = split(RecordSplitter.lines(), bytes("one\ntwo\r"));
    assertEquals(List.of("one", "two"), texts(recs));
    assertEquals(List.of(1L, 2L), lines(recs));
  }

  /** Quotes mean nothing in a JSON-lines feed: a stray quote does not swallow the next line. */
  @Test
  public void quotesDoNotJoinJsonLines() throws IOException {
    List<Rec> recs = split(RecordSplitter.lines(), bytes("{\"a\":\"x\n{\"a\":2}\n"));
    assertEquals(List.of("{\"a\":\"x", "{\"a\":2}"), texts(recs));
  }

  /** Invalid UTF-8 reaches the receiver byte for byte. */
  @Test
  public void invalidUtf8PassesIntact() throws IOException {
    byte[] bad = {'{', (byte) 0xC3, (byte) 0x28, '}'};
    List<Rec> recs = split(RecordSplitter.lines(), concat(bad, bytes("\n")));
    assertArrayEquals(bad, recs.get(0).bytes);
  }

  /** A quoted CSV field keeps its newlines; the record starts at its first line. */
  @Test
  public void csvQuotedNewlinesStayInOneRecord() throws IOException {
    byte[] in = bytes("id,note\r\n1,\"two\r\nlines\"\r\n2,\"three\nmore\nlines\"\n3,plain\n");
    List<Rec> recs = split(RecordSplitter.forFeed(CSV), in);
    assertEquals(
        List.of("1,\"two\r\nlines\"", "2,\"three\nmore\nlines\"", "3,plain"), texts(recs));
    assertEquals(List.of(2L, 4L, 7L), lines(recs));
  }

  /** Escaped quotes ("") do not end a quoted field. */
  @Test
  public void csvEscapedQuotes() throws IOException {
    byte[] in = bytes("id,note\n1,\"say \"\"hi\"\"\nthen go\"\n2,x\n");
    List<Rec> recs = split(RecordSplitter.forFeed(CSV), in);
    assertEquals(List.of("1,\"say \"\"hi\"\"\nthen go\"", "2,x"), texts(recs));
  }

  /** The header is not a record; every record carries it; a BOM before it is stripped. */
  @Test
  public void csvHeaderTravelsWithRecords() throws IOException {
    byte[] in = concat(BOM, bytes("id,note\n\n1,a\n2,b\n"));
    List<Rec> recs = split(RecordSplitter.forFeed(CSV), in);
    assertEquals(List.of("1,a", "2,b"), texts(recs));
    assertEquals(List.of(3L, 4L), lines(recs));
    for (Rec r : recs) {
      assertEquals("id,note", r.header);
    }
  }

  /** A CSV file that is only a header yields no record. */
  @Test
  public void csvHeaderOnlyYieldsNothing() throws IOException {
    assertEquals(0, split(RecordSplitter.forFeed(CSV), bytes("id,note\n")).size());
    assertEquals(0, split(RecordSplitter.forFeed(CSV), bytes("id,note")).size());
  }

  /**
   * An unterminated quote does not swallow the file: the line it opens on is one record (the
   * parser refuses it) and the lines after it are records again.
   */
  @Test
  public void csvUnterminatedQuoteCostsOneLine() throws IOException {
    byte[] in = bytes("id,note\n1,ok\n2,\"never closed\n3,x\n4,y\n5,z");
    List<Rec> recs = split(RecordSplitter.forFeed(CSV), in);
    assertEquals(List.of("1,ok", "2,\"never closed", "3,x", "4,y", "5,z"), texts(recs));
    assertEquals(List.of(2L, 3L, 4L, 5L, 6L), lines(recs));
  }

  /**
   * A quote inside an unquoted field is literal text (PostgreSQL and Python read it so): the
   * 99 lines after {@code 1,5" screen} are 99 records, not part of one.
   */
  @Test
  public void csvQuoteInsideAnUnquotedFieldIsText() throws IOException {
    StringBuilder b = new StringBuilder("id,note\n1,5\" screen\n");
    for (int i = 2; i <= 100; i++) {
      b.append(i).append(",ok\n");
    }
    List<Rec> recs = split(RecordSplitter.forFeed(CSV), bytes(b.toString()));
    assertEquals(100, recs.size());
    assertEquals("1,5\" screen", recs.get(0).text);
    assertEquals("100,ok", recs.get(99).text);
    // Text after a closing quote ends at the line's end too.
    List<Rec> after = split(RecordSplitter.forFeed(CSV), bytes("id,note\n1,\"a\"b\n2,c\n"));
    assertEquals(List.of("1,\"a\"b", "2,c"), texts(after));
  }

  private static final FeedSpec ONE_COLUMN =
      FeedSpec.parse(
          "{\"name\": \"c\", \"format\": {\"type\": \"csv\"}, \"fields\": [{\"name\": \"note\"}]}",
          "one.json");

  /** In a one-column file a blank line is a record (an empty value); elsewhere it is skipped. */
  @Test
  public void csvBlankLinesOfAOneColumnFileAreRecords() throws IOException {
    List<Rec> recs = split(RecordSplitter.forFeed(ONE_COLUMN), bytes("note\na\n\n\r\nb\n"));
    assertEquals(List.of("a", "", "", "b"), texts(recs));
    assertEquals(List.of(2L, 3L, 4L, 5L), lines(recs));
    assertEquals(List.of("1,a", "2,b"),
        texts(split(RecordSplitter.forFeed(CSV), bytes("id,note\n1,a\n\n2,b\n"))));
  }

  /** A header that names none of the spec's fields refuses the file, naming the delimiter. */
  @Test
  public void csvHeaderMatchingNothingRefusesTheFile() {
    RecordSplitter.FileRefused e = org.junit.Assert.assertThrows(RecordSplitter.FileRefused.class,
        () -> split(RecordSplitter.forFeed(CSV), bytes("uid;remark\n1;a\n")));
    org.hamcrest.MatcherAssert.assertThat(e.getMessage(),
        org.hamcrest.Matchers.containsString("matches none of the spec's fields (read with"
            + " delimiter ';', sniffed it has 2 columns)"));
  }

  /**
   * A record over format.max_record_bytes is not held: the receiver is told its line and its
   * byte range, and the records around it arrive whole.
   */
  @Test
  public void oversizedRecordsAreReportedWithTheirByteRange() throws IOException {
    FeedSpec small =
        FeedSpec.parse(
            "{\"name\": \"j\", \"format\": {\"type\": \"json\", \"max_record_bytes\": 10},"
                + " \"fields\": [{\"name\": \"a\"}]}",
            "j.json");
    List<String> seen = new ArrayList<>();
    byte[] in = bytes("{\"a\":1}\n{\"a\":\"0123456789\"}\r\n{\"a\":2}\n" + "x".repeat(70_000));
    long n = RecordSplitter.forFeed(small).split(new ByteArrayInputStream(in),
        new RecordSplitter.Receiver() {
          @Override
          public void record(byte[] payload, long line, String header) {
            seen.add(line + ":" + new String(payload, StandardCharsets.UTF_8));
          }

          @Override
          public void oversized(long line, long startByte, long endByte, String header) {
            seen.add(line + ":bytes " + startByte + "-" + endByte);
          }
        });
    assertEquals(4, n);
    // Offsets counted by hand: line 1 is 7 bytes and its newline; line 2 is 19 bytes with CR.
    assertEquals(List.of("1:{\"a\":1}", "2:bytes 8-27", "3:{\"a\":2}", "4:bytes 36-70036"), seen);
  }

  /** A CSV without a header emits its first line as a record. */
  @Test
  public void csvWithoutHeaderEmitsFirstLine() throws IOException {
    FeedSpec noHeader =
        FeedSpec.parse(
            "{\"name\": \"c\", \"format\": {\"type\": \"csv\", \"header\": false,"
                + " \"columns\": [\"id\", \"note\"]}, \"fields\": [{\"name\": \"id\"}]}",
            "c.json");
    List<Rec> recs = split(RecordSplitter.forFeed(noHeader), bytes("1,a\n2,b"));
    assertEquals(List.of("1,a", "2,b"), texts(recs));
    // No delimiter in the spec: the first record travels as the file's "header", for the
    // parser to sniff the same delimiter from; with a delimiter given there is none.
    assertEquals("1,a", recs.get(1).header);
    FeedSpec given = FeedSpec.parse(
        "{\"name\": \"c\", \"format\": {\"type\": \"csv\", \"header\": false, \"delimiter\": \",\","
            + " \"columns\": [\"id\", \"note\"]}, \"fields\": [{\"name\": \"id\"}]}", "c.json");
    assertNull(split(RecordSplitter.forFeed(given), bytes("1,a\n2,b")).get(0).header);
  }

  /** A 10 MB line arrives intact across many read buffers, and the next line still splits. */
  @Test
  public void tenMegabyteLineIntact() throws IOException {
    byte[] big = new byte[10 * 1024 * 1024];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) ('a' + i % 26);
    }
    byte[] in = concat(bytes("short\n"), big, bytes("\r\nafter"));
    // A stream that hands out odd-sized chunks, like a network source.
    InputStream trickle =
        new ByteArrayInputStream(in) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            return super.read(b, off, Math.min(len, 65_521));
          }
        };
    List<Rec> recs = split(RecordSplitter.lines(), trickle, 3);
    assertEquals("short", recs.get(0).text);
    assertEquals(big.length, recs.get(1).bytes.length);
    assertArrayEquals(big, recs.get(1).bytes);
    assertEquals("after", recs.get(2).text);
    assertEquals(List.of(1L, 2L, 3L), lines(recs));
  }

  /** Records are independent copies: changing one does not change the next. */
  @Test
  public void recordsAreCopies() throws IOException {
    List<Rec> recs = split(RecordSplitter.lines(), bytes("abc\nxyz\n"));
    Arrays.fill(recs.get(0).bytes, (byte) 'q');
    assertArrayEquals(bytes("xyz"), recs.get(1).bytes);
  }

  private static final FeedSpec JSON =
      FeedSpec.parse("{\"name\": \"j\", \"format\": {\"type\": \"json\"}, \"fields\": [{\"name\": \"a\"}]}",
          "j.json");

  /** JSON document records as "line#index payload". */
  private static List<String> elements(String file) throws IOException {
    List<String> out = new ArrayList<>();
    long n = RecordSplitter.forFeed(JSON).split(new ByteArrayInputStream(bytes(file)),
        new RecordSplitter.Receiver() {
          @Override
          public void record(byte[] payload, long line, String header) {
            out.add(line + " " + new String(payload, StandardCharsets.UTF_8));
          }

          @Override
          public void element(byte[] payload, long index, long line) {
            out.add(line + "#" + index + " " + new String(payload, StandardCharsets.UTF_8));
          }
        });
    assertEquals(out.size(), n);
    return out;
  }

  /** One JSON array of records, on one line: each element a record, told apart by index. */
  @Test
  public void jsonArrayOnOneLine() throws IOException {
    assertEquals(List.of("1#1 {\"a\":1}", "1#2 {\"a\":\"x],}\\\"{\"}", "1#3 {\"a\":[3]}", "1#4 7",
            "1#5 {\"a\":"),
        elements("\uFEFF [{\"a\":1}, {\"a\":\"x],}\\\"{\"},{\"a\":[3]} ,7, {\"a\":"));
  }

  /** Pretty-printed objects, and an array of them over many lines: starts at their lines. */
  @Test
  public void prettyPrintedObjectsAndArrays() throws IOException {
    assertEquals(List.of("1#1 {\n  \"a\": 1\n}", "4#2 {\n  \"a\": {\"b\": 2}\n}"),
        elements("{\n  \"a\": 1\n}\n{\n  \"a\": {\"b\": 2}\n}\n"));
    assertEquals(List.of("2#1 {\n    \"a\": 1\n  }", "5#2 {\"a\": 2}"),
        elements("[\n  {\n    \"a\": 1\n  },\n  {\"a\": 2}\n]\n"));
  }

  /** Objects back to back on a line are records; JSON lines stay JSON lines. */
  @Test
  public void backToBackObjectsAndJsonLines() throws IOException {
    assertEquals(List.of("1#1 {\"a\":1}", "1#2 {\"a\":2}", "2#3 {\"a\":3}"),
        elements("{\"a\":1}{\"a\":2}\n{\"a\":3}"));
    // A broken line of a JSON-lines file still costs only that line.
    assertEquals(List.of("1 {\"a\":1}", "2 {\"a\":\"x", "3 {\"a\":3}"),
        elements("{\"a\":1}\n{\"a\":\"x\n{\"a\":3}\n"));
  }

  /**
   * A log format with record_start: lines that do not match it (a traceback) join the record
   * above; a continuation before any start is a record of its own.
   */
  @Test
  public void continuationLinesJoinTheRecordAbove() throws IOException {
    FeedSpec logs =
        FeedSpec.parse(
            "{\"name\": \"l\", \"format\": {\"type\": \"regex\", \"pattern\":"
                + " \"(?<ts>\\\\S+) (?<msg>.*)\", \"record_start\": \"\\\\d{4}-\"},"
                + " \"fields\": [{\"name\": \"ts\"}, {\"name\": \"msg\"}]}",
            "l.json");
    RecordSplitter s = RecordSplitter.forFeed(logs);
    assertEquals(false, s.cutsAtAnyNewline());
    List<Rec> recs = split(s, bytes("  orphan\n2024-01-01 boom\r\nTraceback:\n  at x\n\n"
        + "2024-01-02 ok\n2024-01-03 last\n  at y"));
    assertEquals(List.of("  orphan", "2024-01-01 boom\nTraceback:\n  at x", "2024-01-02 ok",
        "2024-01-03 last\n  at y"), texts(recs));
    assertEquals(List.of(1L, 2L, 6L, 7L), lines(recs));
    // The parser reads the joined record as one: '.' spans its lines.
    RecordParser.Result r = new RecordParser(logs).parse(
        dev.sluice.core.model.RawRecord.of(recs.get(1).bytes, "l:2"));
    assertEquals(r.reason, "boom\nTraceback:\n  at x", r.row.getString("msg"));
  }

  /**
   * Without a delimiter in the spec, each file's is sniffed from its header: a semicolon file
   * splits and parses by ';' (its quoted field holding ';' and a newline stays one record).
   */
  @Test
  public void csvDelimiterSniffedFromTheHeader() throws IOException {
    List<Rec> recs = split(RecordSplitter.forFeed(CSV), bytes("id;note\n1;\"a;b\nc\"\n2;x\n"));
    assertEquals(List.of("1;\"a;b\nc\"", "2;x"), texts(recs));
    RecordParser parser = new RecordParser(CSV);
    RecordParser.Result r = parser.parse(new dev.sluice.core.model.RawRecord(
        recs.get(0).bytes, "f:2", "f:2", 0L, recs.get(0).header));
    assertEquals(r.reason, "a;b\nc", r.row.getString("note"));
    assertEquals('\t', RecordSplitter.sniffDelimiter("a\tb\t\"c,d,e\"", '"'));
    assertEquals(',', RecordSplitter.sniffDelimiter("single", '"'));
    // A delimiter the spec names is kept: the header then matches nothing, and says so.
    FeedSpec comma = FeedSpec.parse("{\"name\": \"c\", \"format\": {\"type\": \"csv\","
        + " \"delimiter\": \",\"}, \"fields\": [{\"name\": \"id\"}, {\"name\": \"note\"}]}", "c.json");
    RecordSplitter.FileRefused e = org.junit.Assert.assertThrows(RecordSplitter.FileRefused.class,
        () -> split(RecordSplitter.forFeed(comma), bytes("id;note\n1;a\n")));
    org.hamcrest.MatcherAssert.assertThat(e.getMessage(),
        org.hamcrest.Matchers.containsString("delimiter ','"));
  }

  /**
   * Without a header and without a delimiter in the spec, a file's delimiter is sniffed from its
   * first record: the one that cuts it into the spec's columns; every record of the file then
   * parses by it (a quoted field holding ';' stays one value).
   */
  @Test
  public void csvDelimiterSniffedWithoutAHeader() throws IOException {
    FeedSpec headerless = FeedSpec.parse("{\"name\": \"h\", \"format\": {\"type\": \"csv\","
        + " \"header\": false, \"columns\": [\"id\", \"name\", \"amount\"]}, \"fields\":"
        + " [{\"name\": \"id\"}, {\"name\": \"name\"}, {\"name\": \"amount\", \"type\":"
        + " \"decimal\"}]}", "h.json");
    assertEquals(true, headerless.csvSniffDelimiter);
    List<Rec> recs = split(RecordSplitter.forFeed(headerless),
        bytes("1;\"Smith; J, Jr\";2.50\n2;Lee;3\n"));
    assertEquals(List.of("1;\"Smith; J, Jr\";2.50", "2;Lee;3"), texts(recs));
    RecordParser parser = new RecordParser(headerless);
    List<String> got = new ArrayList<>();
    for (int i = 0; i < recs.size(); i++) {
      RecordParser.Result r = parser.parse(new dev.sluice.core.model.RawRecord(
          recs.get(i).bytes, "f:" + (i + 1), "f:" + (i + 1), 0L, recs.get(i).header));
      assertEquals(r.reason, true, r.ok());
      got.add(r.row.getString("name") + "|" + r.row.getDecimal("amount"));
    }
    assertEquals(List.of("Smith; J, Jr|2.50", "Lee|3"), got);
    // Of the candidates, the one that gives the spec's column count wins over the most frequent.
    assertEquals('|', RecordSplitter.sniffDelimiter("1|a,b,c,d|2", '"', 3));
    assertEquals(',', RecordSplitter.sniffDelimiter("1|a,b,c,d|2", '"', 0));
    // A one-column spec has nothing to sniff.
    assertEquals(false, FeedSpec.parse("{\"name\": \"o\", \"format\": {\"type\": \"csv\","
        + " \"header\": false, \"columns\": [\"a\"]}, \"fields\": [{\"name\": \"a\"}]}",
        "o.json").csvSniffDelimiter);
  }
}
