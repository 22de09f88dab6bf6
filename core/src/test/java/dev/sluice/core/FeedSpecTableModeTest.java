package dev.sluice.core;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.SpecException;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** {@code table.mode}: upsert on a key (the default), or append without one. */
@RunWith(JUnit4.class)
public class FeedSpecTableModeTest {
  private static String spec(String table) {
    return "{\"name\": \"logins\", \"format\": {\"type\": \"json\"}, \"fields\": ["
        + "{\"name\": \"user_id\", \"type\": \"string\", \"required\": true}],"
        + " \"partition\": \"\", \"table\": " + table + "}";
  }

  /** Append: no table key, not even the source id; upsert keeps the source id as key. */
  @Test
  public void appendHasNoKey() {
    FeedSpec append = FeedSpec.parse(spec("{\"name\": \"t\", \"mode\": \"append\"}"), "s");
    assertTrue(append.tableAppend);
    assertEquals(List.of(), append.tableKeyColumns());
    FeedSpec upsert = FeedSpec.parse(spec("{\"name\": \"t\", \"mode\": \"upsert\"}"), "s");
    assertFalse(upsert.tableAppend);
    assertEquals(List.of(FeedSpec.SOURCE_ID), upsert.tableKeyColumns());
  }

  /** An unknown mode, or append with a key, is refused naming table.mode. */
  @Test
  public void badModesRefused() {
    for (String table : List.of("{\"name\": \"t\", \"mode\": \"merge\"}",
        "{\"name\": \"t\", \"mode\": \"append\", \"key\": [\"user_id\"]}")) {
      SpecException e = assertThrows(SpecException.class, () -> FeedSpec.parse(spec(table), "s"));
      assertThat(e.getMessage(), containsString("table.mode"));
    }
  }
}
