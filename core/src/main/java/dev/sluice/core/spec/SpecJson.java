package dev.sluice.core.spec;

import com.fasterxml.jackson.annotation.JacksonAnnotationsInside;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A spec's JSON as Jackson binds it (snake_case keys, see {@link SpecBinding}): only the shape
 * and the JSON types are settled here, every rule between values is {@link SpecValidator}'s. A
 * key left out and a key given as {@code null} bind alike, to null.
 *
 * <p>The order of a record's components is the order of the keys an "unknown key" message
 * lists as allowed.
 */
final class SpecJson {
  private static final PropertyNamingStrategies.NamingBase SNAKE =
      (PropertyNamingStrategies.NamingBase) PropertyNamingStrategies.SNAKE_CASE;

  private SpecJson() {}

  /** The JSON keys a bound record takes, in declaration order. */
  static List<String> keys(Class<?> type) {
    List<String> keys = new ArrayList<>();
    if (type.isRecord()) {
      for (RecordComponent c : type.getRecordComponents()) {
        keys.add(SNAKE.translate(c.getName()));
      }
    }
    return keys;
  }

  /** A list of strings, where one string stands for a list of one. */
  @Retention(RetentionPolicy.RUNTIME)
  @JacksonAnnotationsInside
  @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
  @interface OneOrMany {}

  /** A whole spec; {@code description}, here and on a field, is a note for people, never read. */
  record Spec(
      String name,
      JsonNode description,
      Format format,
      @OneOrMany List<String> nullValues,
      List<Field> fields,
      Dedup dedup,
      String eventTime,
      Partition partition,
      Table table,
      Normalise normalise,
      ExtraFields extraFields) {}

  /** {@code "format": "csv"} is short for {@code {"type": "csv"}}. */
  record Format(
      String type,
      Boolean header,
      String delimiter,
      String quote,
      @OneOrMany List<String> columns,
      String pattern,
      Long maxRecordBytes,
      String recordStart) {
    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    Format {}

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static Format ofType(String type) {
      return new Format(type, null, null, null, null, null, null, null);
    }
  }

  record Field(
      String name,
      String source,
      String column,
      String type,
      Boolean required,
      @OneOrMany List<String> cleanse,
      String format,
      String zone,
      Derive derive,
      String pii,
      Mask mask,
      JsonNode description) {}

  record Derive(Split split) {}

  record Split(
      String from,
      String separator,
      Integer index,
      List<Integer> parts) {}

  record Mask(Integer keepFirst, Integer keepLast) {}

  record Dedup(@OneOrMany List<String> key, String ttl) {}

  /** {@code "table": "t"} is short for {@code {"name": "t"}}. */
  record Table(String name, @OneOrMany List<String> key, String mode) {
    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    Table {}

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static Table named(String name) {
      return new Table(name, null, null);
    }
  }

  /** {@code "extra_fields": "keep"} is short for {@code {"action": "keep"}}. */
  record ExtraFields(String action, String column) {
    @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
    ExtraFields {}

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static ExtraFields ofAction(String action) {
      return new ExtraFields(action, null);
    }
  }

  /**
   * One template ({@code "partition": "dt={ts:yyyy-MM-dd}"}), or named ones with the name of
   * the default ({@code {"daily": ..., "weekly": ..., "default": "daily"}}). A named value
   * given as {@code null} is kept, for the validator to refuse.
   */
  static final class Partition {
    final String template;
    final Map<String, String> named = new LinkedHashMap<>();

    Partition() {
      this.template = null;
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    Partition(String template) {
      this.template = template;
    }

    @JsonAnySetter
    void put(String name, String value) {
      named.put(name, value);
    }
  }

  /**
   * A normaliser's name ({@code "normalise": "cafe_orders"}), or its {@code kind} and its
   * settings, which stay JSON for the normaliser to read.
   */
  static final class Normalise {
    @JsonProperty("kind")
    String kind;

    final Map<String, JsonNode> settings = new LinkedHashMap<>();

    /** True for the short form, which has no settings at all (not even empty ones). */
    final boolean nameOnly;

    Normalise() {
      this.nameOnly = false;
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    Normalise(String kind) {
      this.kind = kind;
      this.nameOnly = true;
    }

    @JsonAnySetter
    void put(String key, JsonNode value) {
      settings.put(key, value);
    }
  }
}
