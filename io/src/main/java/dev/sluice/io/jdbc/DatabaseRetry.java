package dev.sluice.io.jdbc;

import java.io.Serializable;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When a failed database write is worth another try, and how long to wait first. A database
 * that restarts, fails over or drops connections for a few seconds costs a few retries with
 * back-off (0.2 s doubling to 5 s, about 40 s in all), not the run; a row the database refuses
 * fails at once. Writes retried this way must be idempotent (Sluice's upserts are).
 */
public final class DatabaseRetry implements Serializable {
  private static final Logger LOG = LoggerFactory.getLogger(DatabaseRetry.class);
  static final int DEFAULT_ATTEMPTS = 12;

  private final int attempts;
  private final long firstWaitMillis;
  private final long maxWaitMillis;

  private DatabaseRetry(int attempts, long firstWaitMillis, long maxWaitMillis) {
    this.attempts = attempts;
    this.firstWaitMillis = firstWaitMillis;
    this.maxWaitMillis = maxWaitMillis;
  }

  public static DatabaseRetry standard() {
    return new DatabaseRetry(DEFAULT_ATTEMPTS, 200, 5000);
  }

  /**
   * Connection lost or refused (class 08), server shutting down or starting (57P01..57P03),
   * too many connections (53300), serialization failure or deadlock (40001, 40P01).
   */
  public static boolean isTransient(SQLException e) {
    String state = e.getSQLState();
    if (state == null) {
      return false;
    }
    return state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
        || state.equals("57P03") || state.equals("53300") || state.equals("40001")
        || state.equals("40P01");
  }

  /**
   * Waits before attempt {@code attempt + 1} after {@code e} failed attempt {@code attempt}
   * (1-based), or rethrows {@code e} when it is not transient or the attempts are used up.
   */
  public void waitOrThrow(SQLException e, int attempt, Database db, String what)
      throws SQLException {
    if (attempt >= attempts || !isTransient(e)) {
      throw e;
    }
    long wait = Math.min(maxWaitMillis, firstWaitMillis << Math.min(attempt - 1, 20));
    LOG.warn("{}: {}; attempt {} of {} in {} ms", what, db.describe(e), attempt + 1, attempts,
        wait);
    try {
      Thread.sleep(wait);
    } catch (InterruptedException ie) {
      Thread.currentThread().interrupt();
      throw e;
    }
  }
}
