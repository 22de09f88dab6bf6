package dev.sluice.bench;

import java.util.ArrayList;
import java.util.List;

/** Generated input lines in memory, for JMH: valid and distinct (no duplicates, none broken). */
public final class Lines {
  private Lines() {}

  public static List<String> events(int n) {
    Generate.Events g = new Generate.Events(1, n, 0, 0, 1709251200L, 14);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(g.next());
    }
    return out;
  }

  public static List<String> logins(int n) {
    Generate.Logins g = new Generate.Logins(1, 0, 0);
    List<String> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(g.next());
    }
    return out;
  }
}
