package dev.sluice.core.spec;

import java.util.regex.Pattern;

/**
 * The one rule for names that reach SQL or a path: table, column and partition field names
 * from a spec or an object key. Anything else is refused before it is used.
 */
public final class Names {
  public static final Pattern SAFE = Pattern.compile("^[a-z_][a-z0-9_]{0,62}$");

  private Names() {}

  public static boolean isSafe(String name) {
    return name != null && SAFE.matcher(name).matches();
  }

  public static String requireSafe(String name, String where) {
    if (!isSafe(name)) {
      throw new SpecException(
          where + ": name '" + printable(name) + "' is not allowed; names must match "
              + SAFE.pattern());
    }
    return name;
  }

  /** A short, printable form of an untrusted name for an error message. */
  public static String printable(String name) {
    if (name == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < name.length() && b.length() < 70; i++) {
      char c = name.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return name.length() > 70 ? b + "..." : b.toString();
  }
}
