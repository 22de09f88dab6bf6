package dev.sluice.lake;

import dev.sluice.core.spec.Names;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;

/**
 * What {@code sluice loads} and {@code GET /loads} ask the load log: an optional table (and
 * db), loads processed at or after {@code since}, newest first, at most {@code limit}.
 * Parameters are checked here once for both; a bad one is an {@link IllegalArgumentException}
 * with a message fit for a user (and for a 400).
 */
public final class LoadsQuery {
  public static final int DEFAULT_LIMIT = 1000;
  public static final int MAX_LIMIT = 10000;
  /**
   * {@code table_name} and {@code landed_timestamp} are the seed API's names: the table, and
   * objects that landed at or after a time.
   */
  static final List<String> PARAMETERS =
      List.of("table", "db", "since", "limit", "table_name", "landed_timestamp");

  public final String table;
  public final String db;
  /** Loads processed at or after this time; or null. */
  public final Instant since;
  /** Loads of objects that landed at or after this time; or null. */
  public final Instant landedSince;
  public final int limit;

  private LoadsQuery(String table, String db, Instant since, Instant landedSince, int limit) {
    this.table = table;
    this.db = db;
    this.since = since;
    this.landedSince = landedSince;
    this.limit = limit;
  }

  /** Checks each parameter; null or empty means not given. */
  public static LoadsQuery of(String table, String db, String since, String limit) {
    return of(table, db, since, null, limit);
  }

  /** The same with {@code landed}: objects that landed at or after it. */
  public static LoadsQuery of(String table, String db, String since, String landed,
      String limit) {
    return new LoadsQuery(name("table", table), name("db", db), time("since", since),
        time("landed_timestamp", landed), limit(limit));
  }

  /** From query parameters; unknown parameters are refused so a typo does not widen a query. */
  public static LoadsQuery fromParameters(Map<String, String> params) {
    for (String p : params.keySet()) {
      if (!PARAMETERS.contains(p)) {
        throw new IllegalArgumentException("unknown parameter '" + Names.printable(p)
            + "' (known: " + String.join(", ", PARAMETERS) + ")");
      }
    }
    String table = params.get("table");
    String tableName = params.get("table_name");
    if (table != null && tableName != null && !table.equals(tableName)) {
      throw new IllegalArgumentException("table and table_name name different tables");
    }
    return of(table != null ? table : tableName, params.get("db"), params.get("since"),
        params.get("landed_timestamp"), params.get("limit"));
  }

  private static String name(String what, String v) {
    if (v == null || v.isEmpty()) {
      return null;
    }
    if (!Names.isSafe(v)) {
      throw new IllegalArgumentException(what + " '" + Names.printable(v)
          + "' is not a table name (names match " + Names.SAFE.pattern() + ")");
    }
    return v;
  }

  static Instant since(String v) {
    return time("since", v);
  }

  private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
  private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  /**
   * An ISO-8601 instant ({@code 2024-03-01T00:00:00Z}), offset time, a UTC time with a space
   * ({@code 2024-03-01 00:00:00}), a date (midnight UTC) or epoch seconds; years 1 to 9999, so
   * the database is never asked a time it cannot hold.
   */
  static Instant time(String what, String v) {
    if (v == null || v.isEmpty()) {
      return null;
    }
    Instant t = null;
    try {
      t = OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      // try the other forms
    }
    if (t == null) {
      try {
        t = java.time.LocalDateTime.parse(v.replace(' ', 'T')).toInstant(ZoneOffset.UTC);
      } catch (DateTimeParseException e) {
        // next
      }
    }
    if (t == null) {
      try {
        t = LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
      } catch (DateTimeParseException e) {
        // next
      }
    }
    if (t == null && v.matches("\\d{1,12}")) {
      t = Instant.ofEpochSecond(Long.parseLong(v));
    }
    if (t == null) {
      throw new IllegalArgumentException(what + " '" + Names.printable(v)
          + "' is not an ISO-8601 time such as 2024-03-01T00:00:00Z, a date such as"
          + " 2024-03-01, or epoch seconds");
    }
    if (t.isBefore(EARLIEST) || t.isAfter(LATEST)) {
      throw new IllegalArgumentException(what + " '" + Names.printable(v)
          + "' is out of range (years 1 to 9999)");
    }
    return t;
  }

  private static int limit(String v) {
    if (v == null || v.isEmpty()) {
      return DEFAULT_LIMIT;
    }
    try {
      int n = Integer.parseInt(v);
      if (n >= 1 && n <= MAX_LIMIT) {
        return n;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException("limit '" + Names.printable(v)
        + "' is not a whole number from 1 to " + MAX_LIMIT);
  }
}
