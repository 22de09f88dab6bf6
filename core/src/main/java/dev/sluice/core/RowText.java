package dev.sluice.core;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import org.joda.time.ReadableInstant;

/** The text form of a typed value: what is hashed, encrypted, masked and put in paths. */
public final class RowText {
  private RowText() {}

  public static String of(Object v) {
    if (v == null) {
      return null;
    }
    if (v instanceof ReadableInstant) {
      return Instant.ofEpochMilli(((ReadableInstant) v).getMillis()).toString();
    }
    if (v instanceof BigDecimal) {
      return ((BigDecimal) v).toPlainString();
    }
    if (v instanceof LocalDate) {
      return v.toString();
    }
    return v.toString();
  }
}
