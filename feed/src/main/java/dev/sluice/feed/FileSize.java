package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A size in bytes from its text: {@code 1048576}, {@code 64KiB}, {@code 128MiB}, {@code 1GiB}. */
final class FileSize {
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?", Pattern.CASE_INSENSITIVE);

  private FileSize() {}

  static long parse(String text, String option) {
    Matcher m = text == null ? null : SIZE.matcher(text.trim());
    if (m == null || !m.matches()) {
      throw new SluiceException(option + "=" + text + ": expected a size such as 128MiB, 64KiB"
          + " or a number of bytes");
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new SluiceException(option + "=" + text + ": too large");
    }
    String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
    int shift = switch (unit.charAt(0)) {
      case 'k' -> 10;
      case 'm' -> 20;
      case 'g' -> 30;
      default -> 0;
    };
    if (n < 1 || n > (Long.MAX_VALUE >> shift)) {
      throw new SluiceException(option + "=" + text + ": must be at least one byte");
    }
    return n << shift;
  }
}
