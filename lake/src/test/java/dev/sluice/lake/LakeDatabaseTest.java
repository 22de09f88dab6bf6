package dev.sluice.lake;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import dev.sluice.io.SluiceException;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.Test;

/** Database URLs, drivers and messages: which URLs are taken, and passwords never shown. */
public class LakeDatabaseTest {
  /** Postgres URLs stay with pgjdbc; Redshift URLs go to the Redshift driver. */
  @Test
  public void driversByUrl() throws SQLException {
    assertEquals("org.postgresql.Driver",
        DriverManager.getDriver("jdbc:postgresql://localhost:5432/x").getClass().getName());
    assertEquals("com.amazon.redshift.Driver",
        DriverManager.getDriver("jdbc:redshift://cluster:5439/x").getClass().getName());
    assertTrue(LakeDatabase.of("jdbc:redshift://cluster:5439/x", null).isRedshiftUrl());
    assertFalse(LakeDatabase.of("jdbc:postgresql://h/x", null).isRedshiftUrl());
  }

  /** The dialect follows the URL unless named; postgres cannot load through a Redshift URL. */
  @Test
  public void dialectChoice() {
    assertEquals("redshift", LakeLoader.dialectFor(
        LakeDatabase.of("jdbc:redshift://c:5439/x", null)).name());
    assertEquals("postgres", LakeLoader.dialectFor(
        LakeDatabase.of("jdbc:postgresql://h/x", null)).name());
    assertEquals("redshift", LakeLoader.dialect("redshift",
        LakeDatabase.of("jdbc:postgresql://h/x", null)).name());
    assertThat(assertThrows(SluiceException.class, () -> LakeLoader.dialect("postgres",
        LakeDatabase.of("jdbc:redshift://c:5439/x", null))).getMessage(),
        containsString("needs a jdbc:postgresql: URL"));
  }

  /** Other URLs are refused with the password hidden; failures never show it either. */
  @Test
  public void passwordsNeverShown() {
    SluiceException e = assertThrows(SluiceException.class,
        () -> LakeDatabase.of("jdbc:mysql://h/x?user=u&password=hunter2", null));
    assertThat(e.getMessage(), not(containsString("hunter2")));
    LakeDatabase db = LakeDatabase.of("jdbc:postgresql://h/x?user=u&password=hunter2", null);
    String msg = db.describe(new SQLException("Connection to h refused", "08001"));
    assertEquals("cannot reach the database at jdbc:postgresql://h/x?user=u&password=***"
        + " (Connection to h refused)", msg);
  }

  /** Intervals for --watch. */
  @Test
  public void watchIntervals() {
    assertEquals(30_000, LakeLoader.interval("30s").getMillis());
    assertEquals(300_000, LakeLoader.interval("5m").getMillis());
    assertEquals(500, LakeLoader.interval("500ms").getMillis());
    assertEquals(null, LakeLoader.interval(null));
    assertThrows(SluiceException.class, () -> LakeLoader.interval("soon"));
    assertThrows(SluiceException.class, () -> LakeLoader.interval("10ms"));
  }
}
