package dev.sluice.lake;

import dev.sluice.core.spec.Names;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A column type of a lake schema, from a whitelist of SQL type names. The type reaches SQL only
 * as rendered here from its parsed parts, never as the text a schema object gave.
 *
 * <p>Allowed: {@code varchar(n)}, {@code text}, {@code smallint}, {@code integer},
 * {@code bigint}, {@code numeric(p[,s])}, {@code double precision}, {@code boolean},
 * {@code date}, {@code timestamp}, {@code timestamptz}, and their common aliases
 * ({@code int}, {@code int4}, {@code int8}, {@code decimal}, {@code float8}, {@code bool},
 * {@code character varying(n)}, {@code timestamp with[out] time zone}).
 */
public final class ColumnType implements Serializable {
  /** What a schema may name. */
  public static final String ALLOWED =
      "varchar(n), text, smallint, integer, bigint, numeric(p,s), double precision, boolean,"
          + " date, timestamp, timestamptz";
  /** The longest varchar Redshift stores, in bytes; also the limit of text there. */
  public static final int MAX_VARCHAR = 65535;
  /** Redshift's largest numeric precision. */
  public static final int MAX_PRECISION = 38;

  /** The kinds of column. */
  public enum Kind {
    VARCHAR, TEXT, SMALLINT, INTEGER, BIGINT, NUMERIC, DOUBLE, BOOLEAN, DATE, TIMESTAMP,
    TIMESTAMPTZ
  }

  private static final Pattern VARCHAR =
      Pattern.compile("(?:varchar|character varying)\\s*\\(\\s*(\\d{1,6})\\s*\\)");
  private static final Pattern NUMERIC =
      Pattern.compile("(?:numeric|decimal)\\s*\\(\\s*(\\d{1,3})\\s*(?:,\\s*(\\d{1,3})\\s*)?\\)");
  private static final Pattern INTEGER_TEXT = Pattern.compile("[+-]?\\d{1,19}");
  private static final Pattern DECIMAL_TEXT =
      Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d{1,4})?");
  private static final DateTimeFormatter TIMESTAMP_IN =
      new DateTimeFormatterBuilder()
          .append(DateTimeFormatter.ISO_LOCAL_DATE)
          .appendLiteral('T')
          .appendValue(ChronoField.HOUR_OF_DAY, 2)
          .appendLiteral(':')
          .appendValue(ChronoField.MINUTE_OF_HOUR, 2)
          .optionalStart()
          .appendLiteral(':')
          .appendValue(ChronoField.SECOND_OF_MINUTE, 2)
          .optionalStart()
          .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
          .optionalEnd()
          .optionalEnd()
          .optionalStart()
          .appendOffset("+HH:mm", "Z")
          .optionalEnd()
          .toFormatter(Locale.ROOT);
  private static final DateTimeFormatter TIMESTAMP_OUT =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT);

  private final Kind kind;
  private final int length;
  private final int precision;
  private final int scale;

  private ColumnType(Kind kind, int length, int precision, int scale) {
    this.kind = kind;
    this.length = length;
    this.precision = precision;
    this.scale = scale;
  }

  /**
   * Parses a type name from a schema object.
   *
   * @throws IllegalArgumentException naming the problem (never echoing more than a short,
   *     printable form of the text)
   */
  public static ColumnType parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("has no type");
    }
    String t = text.strip().toLowerCase(Locale.ROOT).replaceAll("\\s+", " ");
    switch (t) {
      case "text":
        return new ColumnType(Kind.TEXT, 0, 0, 0);
      case "smallint":
      case "int2":
        return new ColumnType(Kind.SMALLINT, 0, 0, 0);
      case "integer":
      case "int":
      case "int4":
        return new ColumnType(Kind.INTEGER, 0, 0, 0);
      case "bigint":
      case "int8":
        return new ColumnType(Kind.BIGINT, 0, 0, 0);
      case "double precision":
      case "float8":
        return new ColumnType(Kind.DOUBLE, 0, 0, 0);
      case "boolean":
      case "bool":
        return new ColumnType(Kind.BOOLEAN, 0, 0, 0);
      case "date":
        return new ColumnType(Kind.DATE, 0, 0, 0);
      case "timestamp":
      case "timestamp without time zone":
        return new ColumnType(Kind.TIMESTAMP, 0, 0, 0);
      case "timestamptz":
      case "timestamp with time zone":
        return new ColumnType(Kind.TIMESTAMPTZ, 0, 0, 0);
      default:
        break;
    }
    Matcher m = VARCHAR.matcher(t);
    if (m.matches()) {
      int n = Integer.parseInt(m.group(1));
      if (n < 1 || n > MAX_VARCHAR) {
        throw new IllegalArgumentException("varchar length " + n + " is not between 1 and "
            + MAX_VARCHAR);
      }
      return new ColumnType(Kind.VARCHAR, n, 0, 0);
    }
    m = NUMERIC.matcher(t);
    if (m.matches()) {
      int p = Integer.parseInt(m.group(1));
      int s = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
      if (p < 1 || p > MAX_PRECISION || s > p) {
        throw new IllegalArgumentException("numeric(" + p + "," + s + ") is not allowed:"
            + " precision must be 1 to " + MAX_PRECISION + " and scale 0 to the precision");
      }
      return new ColumnType(Kind.NUMERIC, 0, p, s);
    }
    throw new IllegalArgumentException("type '" + Names.printable(text)
        + "' is not allowed (allowed: " + ALLOWED + ")");
  }

  public Kind kind() {
    return kind;
  }

  /** The canonical name, as stored in the schema record and shown to users. */
  public String canonical() {
    switch (kind) {
      case VARCHAR:
        return "varchar(" + length + ")";
      case NUMERIC:
        return "numeric(" + precision + "," + scale + ")";
      case DOUBLE:
        return "double precision";
      default:
        return kind.name().toLowerCase(Locale.ROOT);
    }
  }

  /** The type in DDL. Redshift has no unbounded text: {@code text} becomes varchar(65535). */
  public String sql(boolean redshift) {
    if (kind == Kind.TEXT && redshift) {
      return "varchar(" + MAX_VARCHAR + ")";
    }
    return canonical();
  }

  /**
   * Converts one CSV value (already trimmed, not empty) into the text the database parses for
   * this type, checking it fits.
   *
   * @param lengthInBytes true where varchar lengths count UTF-8 bytes (Redshift), false where
   *     they count characters (Postgres)
   * @throws IllegalArgumentException saying what was expected, never showing the value
   */
  public String convert(String value, boolean lengthInBytes) {
    switch (kind) {
      case VARCHAR:
        return checkText(value, length, lengthInBytes);
      case TEXT:
        return checkText(value, lengthInBytes ? MAX_VARCHAR : Integer.MAX_VALUE, lengthInBytes);
      case SMALLINT:
        return integer(value, Short.MIN_VALUE, Short.MAX_VALUE, "a smallint");
      case INTEGER:
        return integer(value, Integer.MIN_VALUE, Integer.MAX_VALUE, "an integer");
      case BIGINT:
        return integer(value, Long.MIN_VALUE, Long.MAX_VALUE, "a bigint");
      case NUMERIC:
        return numeric(value);
      case DOUBLE:
        return dbl(value);
      case BOOLEAN:
        return bool(value);
      case DATE:
        try {
          return LocalDate.parse(value).toString();
        } catch (DateTimeParseException e) {
          throw new IllegalArgumentException("expected a date such as 2024-03-01");
        }
      case TIMESTAMP:
      case TIMESTAMPTZ:
      default:
        return timestamp(value);
    }
  }

  private static String checkText(String value, int max, boolean bytes) {
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("text holds a NUL character");
    }
    long len = bytes ? value.getBytes(StandardCharsets.UTF_8).length
        : value.codePointCount(0, value.length());
    if (len > max) {
      throw new IllegalArgumentException("text of " + len + (bytes ? " bytes" : " characters")
          + " is longer than " + max);
    }
    return value;
  }

  private static String integer(String value, long min, long max, String what) {
    if (!INTEGER_TEXT.matcher(value).matches()) {
      throw new IllegalArgumentException("expected " + what);
    }
    long v;
    try {
      v = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected " + what + " (out of range)");
    }
    if (v < min || v > max) {
      throw new IllegalArgumentException("expected " + what + " (out of range)");
    }
    return Long.toString(v);
  }

  private String numeric(String value) {
    if (!DECIMAL_TEXT.matcher(value).matches()) {
      throw new IllegalArgumentException("expected a number for " + canonical());
    }
    BigDecimal d = new BigDecimal(value).setScale(scale, RoundingMode.HALF_UP);
    if (d.precision() - d.scale() > precision - scale) {
      throw new IllegalArgumentException("number too large for " + canonical());
    }
    return d.toPlainString();
  }

  private static String dbl(String value) {
    if (!DECIMAL_TEXT.matcher(value).matches()) {
      throw new IllegalArgumentException("expected a number");
    }
    double d = Double.parseDouble(value);
    if (Double.isInfinite(d)) {
      throw new IllegalArgumentException("number out of range for double precision");
    }
    return Double.toString(d);
  }

  private static String bool(String value) {
    switch (value.toLowerCase(Locale.ROOT)) {
      case "true":
      case "t":
      case "yes":
      case "y":
      case "1":
        return "true";
      case "false":
      case "f":
      case "no":
      case "n":
      case "0":
        return "false";
      default:
        throw new IllegalArgumentException("expected true or false");
    }
  }

  /** Timestamps go to the database in UTC; without an offset a value is taken as UTC. */
  private String timestamp(String value) {
    String v = value.length() > 10 && value.charAt(10) == ' '
        ? value.substring(0, 10) + 'T' + value.substring(11) : value;
    TemporalAccessor t;
    try {
      t = TIMESTAMP_IN.parse(v);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("expected a timestamp such as 2024-03-01T10:15:30Z");
    }
    LocalDateTime local = LocalDateTime.from(t);
    LocalDateTime utc = t.isSupported(ChronoField.OFFSET_SECONDS)
        ? OffsetDateTime.of(local, ZoneOffset.ofTotalSeconds(t.get(ChronoField.OFFSET_SECONDS)))
            .withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime()
        : local;
    if (utc.getYear() < 1 || utc.getYear() > 9999) {
      throw new IllegalArgumentException("timestamp year out of range");
    }
    String text = TIMESTAMP_OUT.format(utc);
    return kind == Kind.TIMESTAMPTZ ? text + "+00" : text;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ColumnType && ((ColumnType) o).canonical().equals(canonical());
  }

  @Override
  public int hashCode() {
    return Objects.hash(canonical());
  }

  @Override
  public String toString() {
    return canonical();
  }
}
