package dev.sluice.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.Test;

/** Data objects read by their table's schema: header matching, rows, line numbers, misfits. */
public class LakeCsvFileTest {
  private static TableSchema userData() throws Refused {
    return TableSchema.parse(LakeSchemaTest.USER_DATA, "user_data");
  }

  private static List<CsvFile.Row> rows(String text, TableSchema s) throws Exception {
    return rows(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), s);
  }

  private static List<CsvFile.Row> rows(InputStream in, TableSchema s) throws Exception {
    List<CsvFile.Row> out = new ArrayList<>();
    try (CsvFile f = new CsvFile(in, s, false)) {
      for (CsvFile.Row r; (r = f.next()) != null; ) {
        out.add(r);
      }
    }
    return out;
  }

  /** The issue's example: header names trimmed, lower-cased, spaces as underscores. */
  @Test
  public void issueExample() throws Exception {
    String text = "Username; Identifier;First name;Last name\nbooker12;9012;Rachel;Booker\n";
    try (CsvFile f = new CsvFile(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)),
        userData(), false)) {
      assertEquals(List.of("username", "identifier", "first_name", "last_name"),
          LakeDialect.columnNames(f.columns()));
      CsvFile.Row r = f.next();
      assertEquals(2, r.line);
      assertNull(r.problem);
      assertArrayEquals(new String[] {"booker12", "9012", "Rachel", "Booker"}, r.values);
      assertNull(f.next());
    }
  }

  /** Columns may come in any order and some may be missing; only the key is required. */
  @Test
  public void partialHeaderInAnyOrder() throws Exception {
    List<CsvFile.Row> rs = rows("identifier;last name\n7;Smith\n", userData());
    assertEquals(1, rs.size());
    assertArrayEquals(new String[] {"7", "Smith"}, rs.get(0).values);
  }

  /** Bad rows carry their line and reason; blank lines are skipped; quoted fields span lines. */
  @Test
  public void badRowsAndLineNumbers() throws Exception {
    String text = "username;identifier;first_name;last_name\n"
        + "a;1;A;Aa\n"
        + "\n"
        + "b;two;B;Bb\n"
        + "\"c\nc\";3;C;Cc\n"
        + "d;4;D\n"
        + "e;;E;Ee\n"
        + "f;6;" + "F".repeat(65) + ";Ff\n";
    List<CsvFile.Row> rs = rows(text, userData());
    List<String> seen = new ArrayList<>();
    for (CsvFile.Row r : rs) {
      seen.add(r.line + ":" + (r.problem == null ? "ok" : r.problem));
    }
    assertEquals(List.of(
        "2:ok",
        "4:column 'identifier': expected an integer",
        "5:ok",
        "7:has 3 fields where the header has 4",
        "8:primary key column 'identifier' is empty",
        "9:column 'first_name': text of 65 characters is longer than 64"), seen);
    assertEquals("c\nc", rs.get(2).values[0]);
  }

  /** A header naming an unknown column, or lacking the key, refuses the file. */
  @Test
  public void headerProblemsRefuseTheFile() {
    assertThat(assertThrows(Refused.class, () -> rows("identifier;email\n1;x\n", userData()))
        .getMessage(), containsString("header column 'email' is not in the schema"));
    assertThat(assertThrows(Refused.class, () -> rows("username\nx\n", userData()))
        .getMessage(), containsString("lacks primary key column 'identifier'"));
    assertThat(assertThrows(Refused.class, () -> rows("", userData())).getMessage(),
        containsString("no header"));
  }

  /** Invalid UTF-8 and broken quoting refuse the file. */
  @Test
  public void badBytesRefuseTheFile() {
    byte[] bad = "identifier;username\n1;caf\u00e9\n".getBytes(StandardCharsets.ISO_8859_1);
    assertThat(assertThrows(Refused.class,
        () -> rows(new ByteArrayInputStream(bad), userData())).getMessage(),
        containsString("not valid UTF-8"));
    assertThat(assertThrows(Refused.class,
        () -> rows("identifier;username\n1;\"open\n", userData())).getMessage(),
        containsString("malformed"));
  }

  /** A failing store stays a store failure (worth a retry), not a refusal of the file. */
  @Test
  public void sourceFailureIsNotARefusal() {
    InputStream failing = new InputStream() {
      @Override
      public int read() throws IOException {
        throw new IOException("connection reset");
      }
    };
    InputStream broken = CsvFile.tagged(new java.io.SequenceInputStream(
        new ByteArrayInputStream("identifier;username\n1;a\n".getBytes(StandardCharsets.UTF_8)),
        failing));
    assertThrows(CsvFile.SourceFailure.class, () -> rows(broken, userData()));
  }

  /** Without a header, fields are the schema's columns in order. */
  @Test
  public void headerless() throws Exception {
    TableSchema s = TableSchema.parse("{\"columns\": [{\"name\": \"id\", \"type\": \"int\"},"
        + " {\"name\": \"name\", \"type\": \"text\"}], \"primary_key\": [\"id\"],"
        + " \"csv\": {\"header\": false}}", "t");
    List<CsvFile.Row> rs = rows("1,one\n2,\"two, too\"\n", s);
    assertArrayEquals(new String[] {"1", "one"}, rs.get(0).values);
    assertArrayEquals(new String[] {"2", "two, too"}, rs.get(1).values);
    assertEquals(1, rs.get(0).line);
  }

  /** A file delimited by commas where the schema says ';': the reason names both, not the header. */
  @Test
  public void otherDelimiterNamed() throws Exception {
    String header = "username,identifier,first_name,last_name";
    Refused e = assertThrows(Refused.class,
        () -> rows(header + "\nbooker12,9012,Rachel,Booker\n", userData()));
    assertThat(e.getMessage(), containsString("seems delimited by ','"));
    assertThat(e.getMessage(), containsString("says ';'"));
    assertEquals(-1, e.getMessage().indexOf(header));
  }

  /** A field that never ends refuses the file once it passes the bound, not at the heap's end. */
  @Test
  public void fieldThatNeverEndsRefused() throws Exception {
    StringBuilder text = new StringBuilder("username;identifier;first_name;last_name\n"
        + "booker12;9012;\"Rachel");
    for (int i = 0; i < 50_000; i++) {
      text.append(" and more");
    }
    Refused e = assertThrows(Refused.class, () -> {
      try (CsvFile f = new CsvFile(new ByteArrayInputStream(
          text.toString().getBytes(StandardCharsets.UTF_8)), userData(), false, 1000)) {
        while (f.next() != null) {
          // read to the end
        }
      }
    });
    assertThat(e.getMessage(), containsString("longer than 1000 characters"));
    assertThat(e.getMessage(), containsString("after line 1"));
  }

  /**
   * A schema without csv.delimiter reads each file by the delimiter sniffed from its first line
   * (header or, without one, the first record); a header that then names no column says which
   * delimiter it was read with.
   */
  @Test
  public void delimiterSniffedWhenTheSchemaGivesNone() throws Exception {
    TableSchema headed = TableSchema.parse("{\"columns\": [{\"name\": \"id\", \"type\":"
        + " \"integer\"}, {\"name\": \"note\", \"type\": \"text\"}], \"primary_key\": [\"id\"]}",
        "t");
    assertEquals(true, headed.sniffDelimiter);
    for (String d : new String[] {";", "|", "\t", ","}) {
      List<CsvFile.Row> rs = rows("id" + d + "note\n1" + d + "\"a, b; c\"\n", headed);
      assertEquals(d, 1, rs.size());
      assertArrayEquals(d, new String[] {"1", "a, b; c"}, rs.get(0).values);
    }
    assertThat(assertThrows(Refused.class, () -> rows("id;email\n1;x\n", headed)).getMessage(),
        containsString("read with delimiter ';', sniffed"));
    assertThat(assertThrows(Refused.class, () -> rows("id note\n1 x\n", headed)).getMessage(),
        containsString("no delimiter (, ; tab |) was found in it to sniff"));

    TableSchema headerless = TableSchema.parse("{\"columns\": [{\"name\": \"id\", \"type\":"
        + " \"integer\"}, {\"name\": \"note\", \"type\": \"text\"}], \"primary_key\": [\"id\"],"
        + " \"csv\": {\"header\": false}}", "t");
    List<CsvFile.Row> rs = rows("1|a,b,c\n2|d\n", headerless);
    assertArrayEquals(new String[] {"1", "a,b,c"}, rs.get(0).values);
    assertArrayEquals(new String[] {"2", "d"}, rs.get(1).values);
    // The schema as recorded keeps sniffing; one with a delimiter keeps it.
    assertEquals(true, TableSchema.parse(headed.toJson(), "t").sniffDelimiter);
    assertEquals(false, TableSchema.parse(userData().toJson(), "user_data").sniffDelimiter);
  }
}
