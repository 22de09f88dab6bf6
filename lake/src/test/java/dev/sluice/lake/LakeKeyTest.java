package dev.sluice.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.Test;

/** Object keys read as data: what is accepted, and why the rest is refused. */
public class LakeKeyTest {
  /** A well-formed key gives its db, action, table and file. */
  @Test
  public void wellFormedKey() {
    LakeKey k = LakeKey.parse("analytics/append/user_data/2024-03-01 part 1.csv");
    assertTrue(k.valid());
    assertNull(k.refusal());
    assertEquals("analytics", k.db());
    assertEquals(LakeAction.APPEND, k.action());
    assertEquals("user_data", k.table());
    assertEquals("2024-03-01 part 1.csv", k.file());
    assertEquals("analytics.user_data", k.qualifiedTable());
  }

  /** Hostile and malformed keys are refused, each with a reason naming the part at fault. */
  @Test
  public void hostileKeysAreRefused() {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put("../append/users/a.csv", "db name '..'");
    cases.put("analytics/append/../a.csv", "table name '..'");
    cases.put("ana\"lytics/append/users/a.csv", "db name 'ana\"lytics'");
    cases.put("analytics/append/us'ers/a.csv", "table name 'us'ers'");
    cases.put("s3://evil/append/users/a.csv", "6 parts");
    cases.put("s3:/append/users/a.csv", "db name 's3:'");
    cases.put("a" + "b".repeat(63) + "/append/users/a.csv", "is not allowed");
    cases.put("anålytics/append/users/a.csv", "db name 'an?lytics'");
    cases.put("Analytics/append/users/a.csv", "db name 'Analytics'");
    cases.put("analytics/drop/users/a.csv", "action 'drop'");
    cases.put("analytics/APPEND/users/a.csv", "action 'APPEND'");
    cases.put("analytics/append/users;drop table x/a.csv", "table name 'users;drop table x'");
    cases.put("analytics/append/users/", "file part of the key is empty");
    cases.put("analytics/append/users", "3 parts");
    cases.put("analytics/append/users/sub/a.csv", "5 parts");
    cases.put("README.md", "1 part where");
    cases.put("pg_catalog/schema/pg_class/a.json", "reserved");
    cases.put("information_schema/schema/tables/a.json", "reserved");
    cases.put("_dead_letters/append/users/a.csv", "reserved");
    cases.put("analytics/append/users\n/a.csv", "table name 'users?'");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      LakeKey k = LakeKey.parse(c.getKey());
      assertFalse(c.getKey(), k.valid());
      assertThat(c.getKey(), k.refusal(), containsString(c.getValue()));
      assertNull(k.db());
      assertNull(k.table());
    }
  }

  /** The longest allowed name (63 characters) passes; one more is refused. */
  @Test
  public void nameLengthLimit() {
    String longest = "t" + "x".repeat(62);
    assertTrue(LakeKey.parse("db/truncate/" + longest + "/f.csv").valid());
    assertFalse(LakeKey.parse("db/truncate/" + longest + "x/f.csv").valid());
  }
}
