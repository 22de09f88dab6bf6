package dev.sluice.lake;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.spec.Names;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A table as a {@code schema} object describes it:
 *
 * <pre>{@code
 * {"table": "user_data",
 *  "columns": [{"name": "identifier", "type": "integer"}, {"name": "username", "type": "varchar(64)"}],
 *  "primary_key": ["identifier"],
 *  "allowed_operations": ["append", "truncate", "schema"],
 *  "csv": {"delimiter": ";", "header": true, "quote": "\""}}
 * }</pre>
 *
 * <p>Column names must be safe names; types come from the {@link ColumnType} whitelist; the
 * primary key is required and made of declared columns. {@code allowed_operations} defaults to
 * append and schema (truncate must be asked for); {@code csv} defaults to a comma, a header
 * line and double quotes. Unknown keys are refused, so a typo cannot pass silently.
 */
public final class TableSchema implements Serializable {
  static final int MAX_COLUMNS = 1600;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** One declared column. */
  public static final class Column implements Serializable {
    public final String name;
    public final ColumnType type;

    Column(String name, ColumnType type) {
      this.name = name;
      this.type = type;
    }
  }

  public final String table;
  public final List<Column> columns;
  public final List<String> primaryKey;
  public final Set<LakeAction> allowedOperations;
  public final char delimiter;
  /**
   * True when the schema names no {@code csv.delimiter}: each file's is sniffed from its first
   * line ({@link dev.sluice.core.RecordSplitter#sniffDelimiter}), {@link #delimiter}
   * ({@code ,}) when nothing is found.
   */
  public final boolean sniffDelimiter;
  public final char quote;
  public final boolean header;

  private TableSchema(String table, List<Column> columns, List<String> primaryKey,
      Set<LakeAction> allowed, char delimiter, boolean sniffDelimiter, char quote,
      boolean header) {
    this.sniffDelimiter = sniffDelimiter;
    this.table = table;
    this.columns = Collections.unmodifiableList(columns);
    this.primaryKey = Collections.unmodifiableList(primaryKey);
    this.allowedOperations = Collections.unmodifiableSet(allowed);
    this.delimiter = delimiter;
    this.quote = quote;
    this.header = header;
  }

  /**
   * Reads a schema object. {@code keyTable} is the table its key names; a {@code "table"} in the
   * JSON must agree with it.
   */
  static TableSchema parse(String json, String keyTable) throws Refused {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new Refused("schema is not JSON" + (e.getLocation() == null ? ""
          : " (line " + e.getLocation().getLineNr() + ")"));
    }
    if (root == null || !root.isObject()) {
      throw new Refused("schema is not a JSON object");
    }
    // Every mistake is collected and reported at once, so one upload can fix them all.
    List<String> problems = new ArrayList<>();
    onlyKeys(root, "schema", problems, "table", "columns", "primary_key", "allowed_operations",
        "csv");
    JsonNode t = root.get("table");
    if (t != null && !(t.isTextual() && t.asText().equals(keyTable))) {
      problems.add("schema names table '" + Names.printable(t.asText())
          + "' but its key names '" + keyTable + "'");
    }
    Map<String, Column> cols = new LinkedHashMap<>();
    JsonNode cs = root.get("columns");
    if (cs == null || !cs.isArray() || cs.isEmpty()) {
      problems.add("schema needs \"columns\": a non-empty list");
    } else if (cs.size() > MAX_COLUMNS) {
      problems.add("schema has " + cs.size() + " columns; at most " + MAX_COLUMNS);
    } else {
      for (JsonNode c : cs) {
        if (!c.isObject()) {
          problems.add("each column must be an object with \"name\" and \"type\"");
          continue;
        }
        onlyKeys(c, "column", problems, "name", "type");
        String name = c.path("name").isTextual() ? c.get("name").asText() : null;
        if (!Names.isSafe(name)) {
          problems.add("column name '" + Names.printable(name)
              + "' is not allowed; names must match " + Names.SAFE.pattern());
          continue;
        }
        if (SYSTEM_COLUMNS.contains(name.toLowerCase(java.util.Locale.ROOT))) {
          problems.add("column name '" + name + "' is a PostgreSQL system column");
          continue;
        }
        if (cols.containsKey(name)) {
          problems.add("column '" + name + "' is declared twice");
          continue;
        }
        try {
          ColumnType type =
              ColumnType.parse(c.path("type").isTextual() ? c.get("type").asText() : null);
          cols.put(name, new Column(name, type));
        } catch (IllegalArgumentException e) {
          problems.add("column '" + name + "': " + e.getMessage());
          cols.put(name, null);
        }
      }
    }
    List<String> key = new ArrayList<>();
    JsonNode pk = root.get("primary_key");
    if (pk == null || !pk.isArray() || pk.isEmpty()) {
      problems.add("schema needs \"primary_key\": a non-empty list of column names");
    } else {
      for (JsonNode k : pk) {
        String name = k.isTextual() ? k.asText() : null;
        if (name == null || !cols.containsKey(name)) {
          problems.add("primary key column '" + Names.printable(name)
              + "' is not a declared column");
        } else if (key.contains(name)) {
          problems.add("primary key names column '" + name + "' twice");
        } else {
          key.add(name);
        }
      }
    }
    Set<LakeAction> allowed = EnumSet.of(LakeAction.APPEND, LakeAction.SCHEMA);
    JsonNode ops = root.get("allowed_operations");
    if (ops != null) {
      if (!ops.isArray()) {
        problems.add("\"allowed_operations\" must be a list");
      } else {
        allowed = EnumSet.noneOf(LakeAction.class);
        for (JsonNode o : ops) {
          LakeAction a = o.isTextual() ? LakeAction.fromWord(o.asText()) : null;
          if (a == null) {
            problems.add("allowed operation '" + Names.printable(o.asText())
                + "' is not one of append, truncate, schema");
          } else {
            allowed.add(a);
          }
        }
      }
    }
    char delimiter = ',';
    char quote = '"';
    boolean header = true;
    JsonNode csv = root.get("csv");
    if (csv != null) {
      if (!csv.isObject()) {
        problems.add("\"csv\" must be an object");
      } else {
        onlyKeys(csv, "csv", problems, "delimiter", "header", "quote");
        delimiter = oneChar(csv, "delimiter", delimiter, problems);
        quote = oneChar(csv, "quote", quote, problems);
        if (csv.has("header")) {
          if (!csv.get("header").isBoolean()) {
            problems.add("csv \"header\" must be true or false");
          } else {
            header = csv.get("header").asBoolean();
          }
        }
        if (delimiter == quote) {
          problems.add("csv delimiter and quote must differ");
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new Refused(String.join("; ", problems));
    }
    boolean sniff = csv == null || !csv.has("delimiter");
    return new TableSchema(keyTable, new ArrayList<>(cols.values()), key, allowed, delimiter,
        sniff, quote, header);
  }

  /** Names PostgreSQL gives every table itself; a column of that name cannot be created. */
  static final Set<String> SYSTEM_COLUMNS =
      Set.of("tableoid", "xmin", "cmin", "xmax", "cmax", "ctid", "oid");

  private static char oneChar(JsonNode csv, String field, char dflt, List<String> problems) {
    JsonNode n = csv.get(field);
    if (n == null) {
      return dflt;
    }
    String s = n.isTextual() ? n.asText() : "";
    if (s.length() != 1 || s.charAt(0) == '\n' || s.charAt(0) == '\r') {
      problems.add("csv \"" + field + "\" must be one character (not a line break)");
      return dflt;
    }
    return s.charAt(0);
  }

  private static void onlyKeys(JsonNode node, String where, List<String> problems,
      String... allowed) {
    List<String> ok = List.of(allowed);
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!ok.contains(f)) {
        problems.add("unknown key '" + Names.printable(f) + "' in " + where + " (known: "
            + String.join(", ", ok) + ")");
      }
    }
  }

  public Column column(String name) {
    for (Column c : columns) {
      if (c.name.equals(name)) {
        return c;
      }
    }
    return null;
  }

  public List<String> columnNames() {
    List<String> out = new ArrayList<>();
    for (Column c : columns) {
      out.add(c.name);
    }
    return out;
  }

  /**
   * The columns {@code next} adds to this schema. Refused when it would lose data or change
   * what rows mean: a column dropped, a type changed, the primary key changed.
   */
  List<Column> addedColumns(TableSchema next) throws Refused {
    for (Column c : columns) {
      Column n = next.column(c.name);
      if (n == null) {
        throw new Refused("schema change would drop column '" + c.name + "'");
      }
      if (!n.type.equals(c.type)) {
        throw new Refused("schema change would change column '" + c.name + "' from "
            + c.type.canonical() + " to " + n.type.canonical()
            + " (only adding columns is supported)");
      }
    }
    if (!next.primaryKey.equals(primaryKey)) {
      throw new Refused("schema change would change the primary key from " + primaryKey
          + " to " + next.primaryKey);
    }
    List<Column> added = new ArrayList<>();
    for (Column n : next.columns) {
      if (column(n.name) == null) {
        added.add(n);
      }
    }
    return added;
  }

  /** The canonical JSON kept in the schema record; {@link #parse} reads it back. */
  String toJson() {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("table", table);
    ArrayNode cs = root.putArray("columns");
    for (Column c : columns) {
      cs.addObject().put("name", c.name).put("type", c.type.canonical());
    }
    ArrayNode pk = root.putArray("primary_key");
    primaryKey.forEach(pk::add);
    ArrayNode ops = root.putArray("allowed_operations");
    allowedOperations.forEach(a -> ops.add(a.word()));
    ObjectNode csv = root.putObject("csv");
    if (!sniffDelimiter) {
      csv.put("delimiter", String.valueOf(delimiter));
    }
    csv.put("header", header).put("quote", String.valueOf(quote));
    return root.toString();
  }
}
