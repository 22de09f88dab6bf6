package dev.sluice.core;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON values of a record's fields, built from a streaming parser, and the limits a value must
 * keep to be stored: every number must be one that PostgreSQL's {@code numeric} (and so
 * {@code jsonb}) holds, and no string or key may hold {@code \u0000}, which {@code jsonb} and
 * {@code text} refuse. The same limits hold for files, so a record lands in every output or
 * in none.
 *
 * <p>Numbers are built exactly ({@link BigDecimal}), and only for the fields a spec uses: the
 * parser skips the others, so {@code 1e9999999999} in a field nobody reads fails nothing.
 */
final class JsonValues {
  /** PostgreSQL numeric: up to 131072 digits before the decimal point. */
  static final int MAX_INTEGER_DIGITS = 131_072;
  /** PostgreSQL numeric: up to 16383 digits after the decimal point. */
  static final int MAX_FRACTION_DIGITS = 16_383;
  /** The longest number token read at all (digits of both parts, sign, point, exponent). */
  static final int MAX_NUMBER_CHARS = MAX_INTEGER_DIGITS + MAX_FRACTION_DIGITS + 32;

  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);

  private JsonValues() {}

  /** A value that no column can hold; its message names the field, never the value. */
  static final class TooBig extends Exception {
    TooBig(String message) {
      super(message, null, false, false);
    }
  }

  /** True when PostgreSQL's numeric holds {@code d} exactly. */
  static boolean fitsNumeric(BigDecimal d) {
    return d.scale() <= MAX_FRACTION_DIGITS && d.precision() - d.scale() <= MAX_INTEGER_DIGITS;
  }

  /** Builds the value whose first token {@code t} the parser is on, leaving it on its last. */
  static JsonNode read(JsonParser p, JsonToken t, String field) throws IOException, TooBig {
    switch (t) {
      case START_OBJECT: {
        ObjectNode o = NODES.objectNode();
        JsonToken k;
        while ((k = p.nextToken()) == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          o.set(name, read(p, p.nextToken(), field));
        }
        return o;
      }
      case START_ARRAY: {
        ArrayNode a = NODES.arrayNode();
        JsonToken v;
        while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
          a.add(read(p, v, field));
        }
        return a;
      }
      case VALUE_STRING:
        return NODES.textNode(p.getText());
      case VALUE_NUMBER_INT:
        if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
            && p.getTextLength() > MAX_INTEGER_DIGITS + 1) {
          throw tooBig(field);
        }
        switch (p.getNumberType()) {
          case INT:
            return NODES.numberNode(p.getIntValue());
          case LONG:
            return NODES.numberNode(p.getLongValue());
          default:
            return NODES.numberNode(p.getBigIntegerValue());
        }
      case VALUE_NUMBER_FLOAT: {
        BigDecimal d;
        try {
          d = new BigDecimal(p.getText());
        } catch (NumberFormatException | ArithmeticException e) {
          throw tooBig(field);
        }
        return NODES.numberNode(d);
      }
      case VALUE_TRUE:
        return NODES.booleanNode(true);
      case VALUE_FALSE:
        return NODES.booleanNode(false);
      case VALUE_NULL:
        return NODES.nullNode();
      default:
        throw new IOException("unexpected token");
    }
  }

  private static TooBig tooBig(String field) {
    return new TooBig("field '" + field + "': a number beyond what any column type can hold");
  }

  /** One JSON text as a value; the text must hold exactly one. */
  static JsonNode parse(com.fasterxml.jackson.core.JsonFactory factory, String text,
      String field) throws IOException, TooBig {
    try (JsonParser p = factory.createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new IOException("no value");
      }
      JsonNode n = read(p, t, field);
      if (p.nextToken() != null) {
        throw new IOException("trailing tokens");
      }
      return n;
    }
  }

  /**
   * Why a JSON field's value cannot be stored, or null: a {@code \u0000} in a string or key,
   * or a number outside PostgreSQL's numeric range. Names the field, never the value.
   */
  static String problem(JsonNode n, String field) {
    if (n.isTextual()) {
      return n.textValue().indexOf('\u0000') >= 0 ? nul(field) : null;
    }
    if (n.isNumber()) {
      if ((n.isBigDecimal() || n.isBigInteger()) && !fitsNumeric(n.decimalValue())) {
        return "field '" + field + "': a number outside the range PostgreSQL's numeric holds";
      }
      return null;
    }
    if (n.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> it = n.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getKey().indexOf('\u0000') >= 0) {
          return "field '" + field + "': a key holds a NUL character (\\u0000), which"
              + " PostgreSQL's jsonb refuses";
        }
        String p = problem(e.getValue(), field);
        if (p != null) {
          return p;
        }
      }
    } else if (n.isArray()) {
      for (JsonNode e : n) {
        String p = problem(e, field);
        if (p != null) {
          return p;
        }
      }
    }
    return null;
  }

  private static String nul(String field) {
    return "field '" + field + "': a string holds a NUL character (\\u0000), which"
        + " PostgreSQL's jsonb refuses";
  }
}
