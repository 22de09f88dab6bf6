package dev.sluice.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** Schema objects: what they must say, and which later changes are allowed. */
public class LakeSchemaTest {
  static final String USER_DATA =
      "{\"table\": \"user_data\", \"columns\": [{\"name\": \"username\", \"type\": \"varchar(64)\"},"
          + " {\"name\": \"identifier\", \"type\": \"integer\"}, {\"name\": \"first_name\","
          + " \"type\": \"varchar(64)\"}, {\"name\": \"last_name\", \"type\": \"varchar(64)\"}],"
          + " \"primary_key\": [\"identifier\"], \"allowed_operations\": [\"append\", \"truncate\","
          + " \"schema\"], \"csv\": {\"delimiter\": \";\", \"header\": true}}";

  /** The issue's example schema reads as written. */
  @Test
  public void issueExample() throws Refused {
    TableSchema s = TableSchema.parse(USER_DATA, "user_data");
    assertEquals(List.of("username", "identifier", "first_name", "last_name"), s.columnNames());
    assertEquals("varchar(64)", s.column("username").type.canonical());
    assertEquals("integer", s.column("identifier").type.canonical());
    assertEquals(List.of("identifier"), s.primaryKey);
    assertEquals(EnumSet.allOf(LakeAction.class), s.allowedOperations);
    assertEquals(';', s.delimiter);
    assertEquals('"', s.quote);
    assertEquals(true, s.header);
  }

  /** The stored form reads back to the same schema. */
  @Test
  public void storedFormRoundTrips() throws Refused {
    TableSchema s = TableSchema.parse(USER_DATA, "user_data");
    TableSchema back = TableSchema.parse(s.toJson(), "user_data");
    assertEquals(s.toJson(), back.toJson());
  }

  /** Without allowed_operations, truncate is not allowed; without csv, a comma and a header. */
  @Test
  public void defaults() throws Refused {
    TableSchema s = TableSchema.parse("{\"columns\": [{\"name\": \"id\", \"type\": \"bigint\"}],"
        + " \"primary_key\": [\"id\"]}", "t");
    assertEquals(EnumSet.of(LakeAction.APPEND, LakeAction.SCHEMA), s.allowedOperations);
    assertEquals(',', s.delimiter);
    assertEquals(true, s.header);
    assertEquals("t", s.table);
  }

  /** Bad schema objects are refused with the problem named. */
  @Test
  public void badSchemas() {
    Map<String, String> cases = Map.ofEntries(
        Map.entry("not json", "not JSON"),
        Map.entry("[1]", "not a JSON object"),
        Map.entry("{\"table\": \"other\", \"columns\": [], \"primary_key\": []}",
            "names table 'other' but its key names 't'"),
        Map.entry("{\"columns\": [], \"primary_key\": [\"id\"]}", "non-empty list"),
        Map.entry("{\"columns\": [{\"name\": \"Id\", \"type\": \"int\"}], \"primary_key\": [\"Id\"]}",
            "column name 'Id' is not allowed"),
        Map.entry("{\"columns\": [{\"name\": \"id\", \"type\": \"jsonb\"}], \"primary_key\": [\"id\"]}",
            "type 'jsonb' is not allowed"),
        Map.entry("{\"columns\": [{\"name\": \"id\", \"type\": \"int\"}], \"primary_key\": [\"x\"]}",
            "primary key column 'x' is not a declared column"),
        Map.entry("{\"columns\": [{\"name\": \"id\", \"type\": \"int\"}]}", "primary_key"),
        Map.entry("{\"columns\": [{\"name\": \"id\", \"type\": \"int\"}, {\"name\": \"id\","
            + " \"type\": \"int\"}], \"primary_key\": [\"id\"]}", "declared twice"),
        Map.entry("{\"columns\": [{\"name\": \"id\", \"type\": \"int\"}], \"primary_key\": [\"id\"],"
            + " \"allowed_operations\": [\"delete\"]}", "allowed operation 'delete'"),
        Map.entry("{\"columns\": [{\"name\": \"id\", \"type\": \"int\"}], \"primary_key\": [\"id\"],"
            + " \"csv\": {\"delimiter\": \";;\"}}", "one character"),
        Map.entry("{\"columns\": [{\"name\": \"id\", \"type\": \"int\"}], \"primary_key\": [\"id\"],"
            + " \"primary_keys\": [\"id\"]}", "unknown key 'primary_keys'"));
    cases.forEach((json, msg) -> {
      Refused e = assertThrows(json, Refused.class, () -> TableSchema.parse(json, "t"));
      assertThat(json, e.getMessage(), containsString(msg));
    });
  }

  /** A later schema may add columns; it may not drop, retype or re-key. */
  @Test
  public void changes() throws Refused {
    TableSchema v1 = TableSchema.parse(USER_DATA, "user_data");
    TableSchema v2 = TableSchema.parse(USER_DATA.replace("\"primary_key\"",
        "\"x\": 1, \"primary_key\"").replace(", \"x\": 1", "").replace(
            "{\"name\": \"last_name\", \"type\": \"varchar(64)\"}",
            "{\"name\": \"last_name\", \"type\": \"varchar(64)\"},"
                + " {\"name\": \"email\", \"type\": \"varchar(128)\"}"), "user_data");
    assertEquals(List.of("email"), LakeDialect.columnNames(v1.addedColumns(v2)));
    assertEquals(List.of(), LakeDialect.columnNames(v1.addedColumns(v1)));

    TableSchema dropped = TableSchema.parse(USER_DATA.replace(
        ", {\"name\": \"last_name\", \"type\": \"varchar(64)\"}", ""), "user_data");
    assertThat(assertThrows(Refused.class, () -> v1.addedColumns(dropped)).getMessage(),
        containsString("would drop column 'last_name'"));
    TableSchema narrowed = TableSchema.parse(USER_DATA.replace(
        "\"last_name\", \"type\": \"varchar(64)\"", "\"last_name\", \"type\": \"varchar(8)\""),
        "user_data");
    assertThat(assertThrows(Refused.class, () -> v1.addedColumns(narrowed)).getMessage(),
        containsString("from varchar(64) to varchar(8)"));
    TableSchema rekeyed = TableSchema.parse(USER_DATA.replace(
        "\"primary_key\": [\"identifier\"]", "\"primary_key\": [\"username\"]"), "user_data");
    assertThat(assertThrows(Refused.class, () -> v1.addedColumns(rekeyed)).getMessage(),
        containsString("primary key"));
  }

  /** Every mistake of a schema object is named in one refusal, system column names included. */
  @Test
  public void everyMistakeAtOnce() {
    String json = "{\"columns\": [{\"name\": \"ctid\", \"type\": \"integer\"},"
        + " {\"name\": \"id\", \"type\": \"varchar(0)\"}, {\"name\": \"Bad Name\","
        + " \"type\": \"text\"}], \"primary_key\": [\"nope\"], \"colour\": 1,"
        + " \"csv\": {\"delimiter\": \";;\"}}";
    String m = assertThrows(Refused.class, () -> TableSchema.parse(json, "t")).getMessage();
    for (String part : List.of("unknown key 'colour'", "'ctid' is a PostgreSQL system column",
        "column 'id': ", "column name 'Bad Name'", "primary key column 'nope'",
        "csv \"delimiter\" must be one character")) {
      assertThat(m, containsString(part));
    }
  }
}
