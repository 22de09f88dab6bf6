package dev.sluice.io.jdbc;

import dev.sluice.core.spec.FieldType;
import java.math.BigDecimal;
import java.time.Instant;
import org.joda.time.ReadableInstant;

/** Values in Postgres {@code COPY}'s text format: {@code \N} for null, backslash escapes. */
public final class CopyText {
  private CopyText() {}

  /** Appends {@code v}, a row value of a column of {@code type}. */
  public static void append(StringBuilder b, FieldType type, Object v) {
    if (v == null) {
      b.append("\\N");
      return;
    }
    switch (type) {
      case INT:
      case LONG:
      case DOUBLE:
        b.append(v);
        break;
      case DECIMAL:
        b.append(((BigDecimal) v).toPlainString());
        break;
      case BOOLEAN:
        b.append(((Boolean) v) ? 't' : 'f');
        break;
      case DATE:
        b.append(v);
        break;
      case TIMESTAMP:
        b.append(Instant.ofEpochMilli(((ReadableInstant) v).getMillis()));
        break;
      case STRING:
      case JSON:
      default:
        escape(b, (String) v);
        break;
    }
  }

  private static void escape(StringBuilder b, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '\\':
          b.append("\\\\");
          break;
        case '\t':
          b.append("\\t");
          break;
        case '\n':
          b.append("\\n");
          break;
        case '\r':
          b.append("\\r");
          break;
        default:
          b.append(c);
      }
    }
  }
}
