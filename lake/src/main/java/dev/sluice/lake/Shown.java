package dev.sluice.lake;

/**
 * Text from object keys and reasons made safe for a terminal or a log line: control characters
 * (line breaks, escape sequences, bidirectional overrides) are shown as {@code \\uXXXX} so a
 * hostile key cannot forge or hide output. Other characters, non-ASCII included, stay.
 */
public final class Shown {
  private Shown() {}

  public static String safe(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || (c >= 0x202a && c <= 0x202e)
          || (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
