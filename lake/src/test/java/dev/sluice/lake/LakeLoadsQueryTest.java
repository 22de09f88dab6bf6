package dev.sluice.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertThrows;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.Test;

/** Parameters of GET /loads and sluice loads. */
public class LakeLoadsQueryTest {
  /** Good parameters parse; since takes an instant, an offset time or a date. */
  @Test
  public void goodParameters() {
    LoadsQuery q = LoadsQuery.fromParameters(
        Map.of("table", "user_data", "since", "2024-03-01T01:00:00+01:00", "limit", "5"));
    assertEquals("user_data", q.table);
    assertNull(q.db);
    assertEquals(Instant.parse("2024-03-01T00:00:00Z"), q.since);
    assertEquals(5, q.limit);
    assertEquals(Instant.parse("2024-03-01T00:00:00Z"),
        LoadsQuery.of(null, null, "2024-03-01", null).since);
    assertEquals(LoadsQuery.DEFAULT_LIMIT, LoadsQuery.of(null, null, null, null).limit);
  }

  /** Bad parameters are refused with a message naming the parameter. */
  @Test
  public void badParameters() {
    Map<Map<String, String>, String> cases = Map.of(
        Map.of("since", "yesterday"), "since 'yesterday' is not an ISO-8601 time",
        Map.of("table", "users; drop table x"), "table 'users; drop table x' is not a table name",
        Map.of("limit", "0"), "limit '0'",
        Map.of("limit", "lots"), "limit 'lots'",
        Map.of("tabel", "x"), "unknown parameter 'tabel'");
    cases.forEach((params, msg) -> assertThat(params.toString(),
        assertThrows(IllegalArgumentException.class, () -> LoadsQuery.fromParameters(params))
            .getMessage(), containsString(msg)));
  }

  /** The query string is percent-decoded; a repeated or broken parameter is refused. */
  @Test
  public void queryStrings() {
    assertEquals(Map.of("table", "user_data", "since", "2024-03-01T00:00:00+01:00"),
        LoadsServer.parameters("table=user_data&since=2024-03-01T00:00:00%2B01:00"));
    assertThat(assertThrows(IllegalArgumentException.class,
        () -> LoadsServer.parameters("table=a&table=b")).getMessage(),
        containsString("more than once"));
    assertThat(assertThrows(IllegalArgumentException.class,
        () -> LoadsServer.parameters("table=%zz")).getMessage(),
        containsString("percent-encoded"));
  }

  /** The seed API's names: table_name, and landed_timestamp in its forms; out of range refused. */
  @Test
  public void seedApiParameters() {
    LoadsQuery q = LoadsQuery.fromParameters(Map.of("table_name", "user_logins",
        "landed_timestamp", "2024-03-01 10:00:00"));
    assertEquals("user_logins", q.table);
    assertEquals(java.time.Instant.parse("2024-03-01T10:00:00Z"), q.landedSince);
    assertEquals(null, q.since);
    assertEquals(java.time.Instant.ofEpochSecond(1709287200L),
        LoadsQuery.fromParameters(Map.of("landed_timestamp", "1709287200")).landedSince);
    for (String bad : List.of("+10000-01-01T00:00:00Z", "-0001-01-01T00:00:00Z")) {
      String m = assertThrows(IllegalArgumentException.class,
          () -> LoadsQuery.fromParameters(Map.of("since", bad))).getMessage();
      assertThat(m, containsString("out of range"));
    }
    assertThrows(IllegalArgumentException.class,
        () -> LoadsQuery.fromParameters(Map.of("table", "a", "table_name", "b")));
  }
}
