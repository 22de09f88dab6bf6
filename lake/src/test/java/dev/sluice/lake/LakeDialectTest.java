package dev.sluice.lake;

import static org.junit.Assert.assertEquals;

import java.util.List;
import org.junit.Test;

/** The SQL each dialect writes: quoted names, the right upsert, no TRUNCATE in Redshift. */
public class LakeDialectTest {
  private static TableSchema schema() throws Refused {
    return TableSchema.parse(LakeSchemaTest.USER_DATA, "user_data");
  }

  /** Postgres upserts with ON CONFLICT, skipping rows that did not change. */
  @Test
  public void postgresAppend() throws Refused {
    TableSchema s = schema();
    List<TableSchema.Column> cols = List.of(s.column("identifier"), s.column("username"));
    assertEquals(List.of("INSERT INTO \"analytics\".\"user_data\" (\"identifier\", \"username\")"
        + " SELECT \"identifier\", \"username\" FROM pg_temp.\"sluice_stage\" ON CONFLICT"
        + " (\"identifier\") DO UPDATE SET \"username\" = EXCLUDED.\"username\" WHERE"
        + " (\"analytics\".\"user_data\".\"username\") IS DISTINCT FROM (EXCLUDED.\"username\")"),
        LakeDialect.named("postgres").append("analytics", s, cols));
  }

  /** Redshift drops unchanged rows from the stage, then MERGEs; truncate is a DELETE. */
  @Test
  public void redshiftAppendAndReplace() throws Refused {
    TableSchema s = schema();
    List<TableSchema.Column> cols = List.of(s.column("identifier"), s.column("username"));
    LakeDialect r = LakeDialect.named("redshift");
    String t = "\"analytics\".\"user_data\"";
    assertEquals(List.of(
        "DELETE FROM \"sluice_stage\" USING " + t + " WHERE " + t + ".\"identifier\" ="
            + " \"sluice_stage\".\"identifier\" AND (\"sluice_stage\".\"username\" = " + t
            + ".\"username\" OR (\"sluice_stage\".\"username\" IS NULL AND " + t
            + ".\"username\" IS NULL))",
        "MERGE INTO " + t + " USING \"sluice_stage\" ON " + t + ".\"identifier\" ="
            + " \"sluice_stage\".\"identifier\" WHEN MATCHED THEN UPDATE SET \"username\" ="
            + " \"sluice_stage\".\"username\" WHEN NOT MATCHED THEN INSERT (\"identifier\","
            + " \"username\") VALUES (\"sluice_stage\".\"identifier\","
            + " \"sluice_stage\".\"username\")"),
        r.append("analytics", s, cols));
    assertEquals(List.of("DELETE FROM " + t, "INSERT INTO " + t + " (\"identifier\","
        + " \"username\") SELECT \"identifier\", \"username\" FROM \"sluice_stage\""),
        r.replace("analytics", s, cols));
  }

  /** Postgres truncates inside the transaction; the stage drops itself at commit. */
  @Test
  public void postgresReplace() throws Refused {
    TableSchema s = schema();
    LakeDialect p = LakeDialect.named("postgres");
    assertEquals("TRUNCATE \"analytics\".\"user_data\"",
        p.replace("analytics", s, s.columns).get(0));
    assertEquals("CREATE TEMP TABLE \"sluice_stage\" (\"identifier\" integer,"
        + " \"sluice$line\" bigint) ON COMMIT DROP",
        p.createStage(List.of(s.column("identifier"))));
  }

  /** A table is created with its key; Redshift gets varchar(65535) for text. */
  @Test
  public void createTable() throws Refused {
    TableSchema s = TableSchema.parse("{\"columns\": [{\"name\": \"id\", \"type\": \"bigint\"},"
        + " {\"name\": \"note\", \"type\": \"text\"}], \"primary_key\": [\"id\"]}", "notes");
    assertEquals("CREATE TABLE \"d\".\"notes\" (\"id\" bigint NOT NULL, \"note\" text,"
        + " PRIMARY KEY (\"id\"))", LakeDialect.named("postgres").createTable("d", s));
    assertEquals("CREATE TABLE \"d\".\"notes\" (\"id\" bigint NOT NULL,"
        + " \"note\" varchar(65535), PRIMARY KEY (\"id\"))",
        LakeDialect.named("redshift").createTable("d", s));
  }
}
