package dev.sluice.core.spec;

import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonMappingException.Reference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Binds a spec's text to {@link SpecJson} and words Jackson's failures as the spec's own
 * messages: {@code file: place: problem}, the place as a person finds it in the spec ({@code
 * field 'ip'.pii}, {@code format.header}), never a Java type.
 *
 * <p>Jackson is kept strict so that every wrong JSON type fails here: no scalar coercion (a
 * number is not a string, {@code "true"} is not a boolean), no {@code null} in a list, and an
 * unknown key fails, as a misspelt key would otherwise be a setting silently not applied.
 */
final class SpecBinding {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
          .withCoercionConfig(LogicalType.Textual, c -> c
              .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
              .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
              .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
          .withConfigOverride(List.class, o -> o
              .setSetterInfo(JsonSetter.Value.forContentNulls(Nulls.FAIL)))
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .build();

  private static final String STRINGS = "must be a list of strings";

  /**
   * What is wrong with a value of the wrong JSON type at a place, by its shape ({@code fields[]}
   * for any field). A failure deeper down is reported at the nearest place listed here, so a
   * bad list element names its list; places not listed take the wording of their type.
   */
  private static final Map<String, String> PROBLEMS =
      Map.ofEntries(
          Map.entry("format", "must be an object such as {\"type\": \"json\"}"),
          Map.entry("format.columns", STRINGS),
          Map.entry("format.max_record_bytes", SpecValidator.POSITIVE),
          Map.entry("null_values", STRINGS),
          Map.entry("fields", FieldValidator.NO_FIELDS),
          Map.entry("fields[]", "must be an object"),
          Map.entry("fields[].cleanse", STRINGS),
          Map.entry("fields[].derive", FieldValidator.SAY_SPLIT),
          Map.entry("fields[].derive.split.index", FieldValidator.SPLIT_INDEX),
          Map.entry("fields[].derive.split.parts", FieldValidator.SPLIT_PARTS),
          Map.entry("fields[].mask", FieldValidator.MASK_RANGE),
          Map.entry("dedup", "must be an object such as {\"key\": [\"id\"], \"ttl\": \"24h\"}"),
          Map.entry("dedup.key", STRINGS),
          Map.entry("partition", "must be a string"),
          Map.entry("table", "must be a table name or an object such as {\"name\": \"t\","
              + " \"key\": [\"id\"]}"),
          Map.entry("table.key", STRINGS),
          Map.entry("normalise", "must be a normaliser's name or {\"kind\": NAME, ...settings}"),
          Map.entry("extra_fields", "must be \"keep\", \"drop\" or \"reject\""));

  /** Top-level keys that hold a plain value; messages name them {@code spec.KEY}. */
  private static final Set<String> ROOT_VALUES =
      Set.of("name", "null_values", "event_time", "partition");

  private final String file;
  private final JsonNode root;

  private SpecBinding(String file, JsonNode root) {
    this.file = file;
    this.root = root;
  }

  /** The bound spec; {@code file} names it in messages. */
  static SpecJson.Spec bind(String json, String file) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new SpecException(
          file + ": not valid JSON at line " + e.getLocation().getLineNr() + ", column "
              + e.getLocation().getColumnNr() + " (" + e.getOriginalMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw new SpecException(file + ": a spec is a JSON object");
    }
    try {
      return MAPPER.treeToValue(root, SpecJson.Spec.class);
    } catch (JsonMappingException e) {
      throw new SpecBinding(file, root).reword(e);
    } catch (JsonProcessingException e) {
      throw SpecException.at(file, "spec", e.getOriginalMessage());
    }
  }

  private SpecException reword(JsonMappingException e) {
    List<Reference> path = e.getPath();
    if (e instanceof UnrecognizedPropertyException u) {
      return SpecException.at(file, place(path, path.size() - 1), "unknown key '"
          + Names.printable(u.getPropertyName()) + "' (allowed: "
          + String.join(", ", SpecJson.keys(u.getReferringClass())) + ")");
    }
    for (int n = path.size(); n > 0; n--) {
      String problem = PROBLEMS.get(shape(path, n));
      if (problem == null && n == path.size() && path.get(n - 1).getFieldName() != null) {
        problem = byType(e);
      }
      if (problem != null) {
        return SpecException.at(file, place(path, n), problem);
      }
    }
    return SpecException.at(file, place(path, path.size()), "is not a value this key takes");
  }

  private static String byType(JsonMappingException e) {
    Class<?> target = e instanceof MismatchedInputException m ? m.getTargetType() : null;
    if (target == String.class) {
      return "must be a string";
    }
    if (target == Boolean.class) {
      return "must be true or false";
    }
    return null;
  }

  /** The first {@code n} steps of a path with list positions as {@code []}: a key of PROBLEMS. */
  private static String shape(List<Reference> path, int n) {
    StringBuilder b = new StringBuilder();
    for (Reference r : path.subList(0, n)) {
      if (r.getFieldName() == null) {
        b.append("[]");
      } else {
        b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
      }
    }
    return b.toString();
  }

  /**
   * The first {@code n} steps of a path as messages name places. A field goes by its name
   * ({@code field 'ip'.pii}) as soon as it has one; a field that cannot be named fails for that,
   * the first thing the validator would tell about it.
   */
  private String place(List<Reference> path, int n) {
    if (n == 0) {
      return "spec";
    }
    String top = path.get(0).getFieldName();
    if (n == 1) {
      return ROOT_VALUES.contains(top) ? "spec." + top : top;
    }
    StringBuilder b = new StringBuilder();
    int next = 1;
    if (top.equals("fields")) {
      int i = path.get(1).getIndex();
      boolean ofName = n > 2 && "name".equals(path.get(2).getFieldName());
      b.append(ofName || !root.path("fields").path(i).isObject() ? "fields[" + i + "]" : field(i));
      next = 2;
    } else {
      b.append(top);
    }
    for (Reference r : path.subList(next, n)) {
      b.append(r.getFieldName() == null
          ? "[" + r.getIndex() + "]"
          : "." + Names.printable(r.getFieldName()));
    }
    return b.toString();
  }

  private String field(int i) {
    JsonNode name = root.path("fields").path(i).path("name");
    if (!name.isTextual()) {
      throw SpecException.at(file, "fields[" + i + "].name",
          name.isMissingNode() || name.isNull() ? "missing" : "must be a string");
    }
    return FieldValidator.place(name.asText(), file);
  }
}
