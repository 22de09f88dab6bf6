package dev.sluice.core.spec;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.joda.time.Duration;

/** Durations as people write them: {@code 500ms}, {@code 10s}, {@code 1m}, {@code 24h}, {@code 7d}, or ISO {@code PT24H}. */
public final class Durations {
  private static final Pattern SHORT = Pattern.compile("^(\\d+)\\s*(ms|s|m|h|d)$");

  private Durations() {}

  /** Parses a duration; the message of a failure starts with {@code where}. */
  public static Duration parse(String text, String where) {
    if (text == null) {
      throw new SpecException(where + ": missing duration");
    }
    Matcher m = SHORT.matcher(text.trim());
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      switch (m.group(2)) {
        case "ms":
          return Duration.millis(n);
        case "s":
          return Duration.standardSeconds(n);
        case "m":
          return Duration.standardMinutes(n);
        case "h":
          return Duration.standardHours(n);
        default:
          return Duration.standardDays(n);
      }
    }
    try {
      return Duration.millis(java.time.Duration.parse(text.trim()).toMillis());
    } catch (java.time.format.DateTimeParseException e) {
      throw new SpecException(where + ": '" + Names.printable(text) + "' is not a duration (say"
          + " 10s, 10m, 24h, 7d or PT24H)");
    }
  }
}
