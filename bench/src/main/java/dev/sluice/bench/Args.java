package dev.sluice.bench;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --name=value} arguments; nothing else is accepted. */
final class Args {
  private Args() {}

  static Map<String, String> parse(String[] args) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String a : args) {
      if (!a.startsWith("--") || !a.contains("=")) {
        throw new IllegalArgumentException("'" + a + "': arguments look like --name=value");
      }
      int eq = a.indexOf('=');
      m.put(a.substring(2, eq), a.substring(eq + 1));
    }
    return m;
  }
}
