package dev.sluice.pipeline.lake;

import dev.sluice.transforms.spec.Names;
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
  static final List<String> PARAMETERS = List.of("table", "db", "since", "limit");

  public final String table;
  public final String db;
  public final Instant since;
  public final int limit;

  private LoadsQuery(String table, String db, Instant since, int limit) {
    this.table = table;
    this.db = db;
    this.since = since;
    this.limit = limit;
  }

  /** Checks each parameter; null or empty means not given. */
  public static LoadsQuery of(String table, String db, String since, String limit) {
    return new LoadsQuery(name("table", table), name("db", db), since(since), limit(limit));
  }

  /** From query parameters; unknown parameters are refused so a typo does not widen a query. */
  public static LoadsQuery fromParameters(Map<String, String> params) {
    for (String p : params.keySet()) {
      if (!PARAMETERS.contains(p)) {
        throw new IllegalArgumentException("unknown parameter '" + Names.printable(p)
            + "' (known: " + String.join(", ", PARAMETERS) + ")");
      }
    }
    return of(params.get("table"), params.get("db"), params.get("since"), params.get("limit"));
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

  /** An ISO-8601 instant ({@code 2024-03-01T00:00:00Z}), offset time, or date (midnight UTC). */
  static Instant since(String v) {
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(v).toInstant();
    } catch (DateTimeParseException e) {
      // try a date
    }
    try {
      return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("since '" + Names.printable(v)
          + "' is not an ISO-8601 time such as 2024-03-01T00:00:00Z or a date such as"
          + " 2024-03-01");
    }
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
