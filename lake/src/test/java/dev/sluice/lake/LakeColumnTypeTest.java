package dev.sluice.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.Test;

/** The column type whitelist and the conversion of CSV text to database text. */
public class LakeColumnTypeTest {
  /** Allowed names and aliases parse to their canonical form. */
  @Test
  public void whitelistAndAliases() {
    Map<String, String> cases = Map.ofEntries(
        Map.entry("varchar(64)", "varchar(64)"),
        Map.entry("VARCHAR ( 10 )", "varchar(10)"),
        Map.entry("character varying(5)", "varchar(5)"),
        Map.entry("text", "text"),
        Map.entry("int", "integer"),
        Map.entry("int4", "integer"),
        Map.entry("int8", "bigint"),
        Map.entry("smallint", "smallint"),
        Map.entry("decimal(10,2)", "numeric(10,2)"),
        Map.entry("numeric(7)", "numeric(7,0)"),
        Map.entry("double precision", "double precision"),
        Map.entry("float8", "double precision"),
        Map.entry("bool", "boolean"),
        Map.entry("date", "date"),
        Map.entry("timestamp without time zone", "timestamp"),
        Map.entry("timestamp with time zone", "timestamptz"));
    cases.forEach((in, out) -> assertEquals(in, out, ColumnType.parse(in).canonical()));
  }

  /** Anything outside the whitelist is refused, including SQL hidden in a type. */
  @Test
  public void othersAreRefused() {
    for (String bad : List.of("json", "varchar", "varchar(0)", "varchar(70000)", "numeric(39,2)",
        "numeric(5,6)", "integer); drop table x; --", "serial", "int[]", "money", "")) {
      IllegalArgumentException e =
          assertThrows(bad, IllegalArgumentException.class, () -> ColumnType.parse(bad));
      assertThat(bad, e.getMessage(), containsString("not"));
    }
  }

  /** Redshift has no unbounded text: the DDL says varchar(65535) there. */
  @Test
  public void textInRedshift() {
    assertEquals("text", ColumnType.parse("text").sql(false));
    assertEquals("varchar(65535)", ColumnType.parse("text").sql(true));
  }

  /** Values convert to the text the database parses; bad ones say what was expected. */
  @Test
  public void conversions() {
    assertEquals("9012", ColumnType.parse("integer").convert("+9012", false));
    assertEquals("-32768", ColumnType.parse("smallint").convert("-32768", false));
    assertEquals("12.35", ColumnType.parse("numeric(5,2)").convert("12.345", false));
    assertEquals("1000", ColumnType.parse("numeric(4,0)").convert("1e3", false));
    assertEquals("1.5E10", ColumnType.parse("float8").convert("1.5e10", false));
    assertEquals("true", ColumnType.parse("boolean").convert("Yes", false));
    assertEquals("false", ColumnType.parse("boolean").convert("0", false));
    assertEquals("2024-02-29", ColumnType.parse("date").convert("2024-02-29", false));
    assertEquals("2024-03-01 09:15:30.500000",
        ColumnType.parse("timestamp").convert("2024-03-01T10:15:30.5+01:00", false));
    assertEquals("2024-03-01 10:15:00.000000+00",
        ColumnType.parse("timestamptz").convert("2024-03-01 10:15", false));
    assertEquals("héllo", ColumnType.parse("varchar(5)").convert("héllo", false));
  }

  /** Values that do not fit are refused with the reason, never the value. */
  @Test
  public void misfits() {
    Map<String, String[]> cases = Map.of(
        "integer", new String[] {"2147483648", "out of range"},
        "smallint", new String[] {"12a", "expected a smallint"},
        "numeric(4,2)", new String[] {"123.4", "too large"},
        "double precision", new String[] {"1e999", "out of range"},
        "boolean", new String[] {"maybe", "true or false"},
        "date", new String[] {"2024-02-30", "expected a date"},
        "timestamp", new String[] {"yesterday", "expected a timestamp"},
        "varchar(3)", new String[] {"abcd", "longer than 3"},
        "text", new String[] {"a\0b", "NUL"});
    cases.forEach((type, c) -> {
      IllegalArgumentException e = assertThrows(type, IllegalArgumentException.class,
          () -> ColumnType.parse(type).convert(c[0], false));
      assertThat(type, e.getMessage(), containsString(c[1]));
      assertThat(type, e.getMessage(), not(containsString(c[0])));
    });
  }

  /** Redshift counts varchar lengths in bytes: a 5-character, 6-byte value misfits varchar(5). */
  @Test
  public void varcharBytesInRedshift() {
    assertEquals("héllo", ColumnType.parse("varchar(5)").convert("héllo", false));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ColumnType.parse("varchar(5)").convert("héllo", true));
    assertThat(e.getMessage(), containsString("6 bytes"));
  }
}
