package dev.sluice.feed;

import dev.sluice.core.spec.Durations;
import dev.sluice.io.SluiceException;
import org.joda.time.Duration;

/** Option values checked where they are read, each failing with a line that names its option. */
final class OptionValues {
  private OptionValues() {}

  static Duration duration(String text, String option) {
    try {
      return Durations.parse(text, option);
    } catch (IllegalArgumentException e) {
      throw new SluiceException(e.getMessage());
    }
  }

  static int positive(Integer v, String name) {
    if (v == null || v < 1) {
      throw new SluiceException(name + " must be a whole number of at least 1");
    }
    return v;
  }
}
