package dev.sluice.core.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import dev.sluice.core.normalise.Normalisers;
import org.apache.beam.sdk.schemas.Schema;
import org.joda.time.Duration;

/**
 * A feed: one dataset's format, fields, cleansing, PII actions, dedup key, event time,
 * partitioning and target table, read from a JSON spec and checked as a whole before anything
 * runs. A wrong spec fails in {@link #parse} with a message naming the place and the problem.
 */
public final class FeedSpec implements Serializable {
  /** Column added to feeds without a dedup key: a stable id of the record at its source. */
  public static final String SOURCE_ID = "_source_id";

  /**
   * Hidden last column of feeds read from a source that acknowledges (SQS): the record's
   * acknowledgement handle, carried to the step that stores the row and then acknowledges it.
   * Never written to files or tables.
   */
  public static final String ACK = "_ack";

  public static final long DEFAULT_MAX_RECORD_BYTES = 1L << 20;
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^{}:]+)(?::([^{}]+))?\\}");

  /** Default column of a record's unnamed fields under {@code "extra_fields": "keep"}. */
  public static final String EXTRA_FIELDS = "extra_fields";

  /**
   * What happens to the keys of a JSON record that no field names: kept in one JSON column,
   * dropped (and counted in the ledger), or the record is a {@code validate} dead letter.
   */
  public enum ExtraFields {
    KEEP,
    DROP,
    REJECT
  }

  /** The record format of a feed. */
  public enum Format {
    JSON,
    CSV,
    REGEX
  }

  public final String name;
  public final Format format;
  public final boolean csvHeader;
  public final char csvDelimiter;
  /**
   * True when the spec names no delimiter: each file's is sniffed from its header, or without
   * one from its first record.
   */
  public final boolean csvSniffDelimiter;
  public final char csvQuote;
  public final List<String> csvColumns;
  public final String regex;
  /**
   * Log formats: a pattern a record's first line matches; a line that does not is a
   * continuation of the record above (a traceback under its log line). Null: every line a record.
   */
  public final String recordStart;
  public final long maxRecordBytes;
  public final List<String> nullTokens;
  public final List<FieldSpec> fields;
  public final List<String> dedupKey;
  public final Duration dedupTtl;
  public final String eventTime;
  public final String partitionTemplate;
  public final String table;
  public final List<String> tableKey;
  /**
   * {@code table.mode: append}: rows are inserted into a table that has no key, without the
   * {@link #SOURCE_ID} column; a re-run inserts them again. Default {@code upsert}.
   */
  public final boolean tableAppend;
  public final boolean ackColumn;
  /** The normaliser that turns rows into rows of several tables ({@code cafe_orders}); or null. */
  public final String normalise;
  /**
   * The normaliser's settings as JSON text (the {@code normalise} object less its {@code kind}),
   * read by the normaliser itself; null when the spec names the normaliser only.
   */
  public final String normaliseSettings;
  /** Named partition templates ({@code daily}, {@code weekly}); empty when the spec gives one. */
  public final Map<String, String> partitionings;
  /** The name of the chosen partition template; null when the spec gives one template. */
  public final String partitioning;
  /** What becomes of a JSON record's keys that no field names (default {@code drop}). */
  public final ExtraFields extraFields;
  /**
   * Output column to the most characters the target table's column holds ({@code varchar(n)},
   * {@code char(n)}); learnt from the table at start, empty without one. A longer value makes
   * its record a {@code validate} dead letter before any output sees it.
   */
  public final Map<String, Integer> columnLimits;

  private FeedSpec(FeedSpec o, boolean ackColumn) {
    this(o, ackColumn, o.partitioning);
  }

  private FeedSpec(FeedSpec o, boolean ackColumn, String partitioning) {
    this(o, ackColumn, partitioning, o.columnLimits);
  }

  private FeedSpec(FeedSpec o, boolean ackColumn, String partitioning,
      Map<String, Integer> columnLimits) {
    this.columnLimits = columnLimits;
    this.name = o.name;
    this.format = o.format;
    this.csvHeader = o.csvHeader;
    this.csvDelimiter = o.csvDelimiter;
    this.csvSniffDelimiter = o.csvSniffDelimiter;
    this.csvQuote = o.csvQuote;
    this.csvColumns = o.csvColumns;
    this.regex = o.regex;
    this.recordStart = o.recordStart;
    this.maxRecordBytes = o.maxRecordBytes;
    this.nullTokens = o.nullTokens;
    this.fields = o.fields;
    this.dedupKey = o.dedupKey;
    this.dedupTtl = o.dedupTtl;
    this.eventTime = o.eventTime;
    this.table = o.table;
    this.tableKey = o.tableKey;
    this.tableAppend = o.tableAppend;
    this.ackColumn = ackColumn;
    this.normalise = o.normalise;
    this.normaliseSettings = o.normaliseSettings;
    this.partitionings = o.partitionings;
    this.partitioning = partitioning;
    this.extraFields = o.extraFields;
    this.partitionTemplate =
        partitioning == null ? o.partitionTemplate : o.partitionings.get(partitioning);
  }

  /** The same feed with the hidden {@link #ACK} column, for sources that acknowledge. */
  public FeedSpec withAckColumn() {
    return new FeedSpec(this, true);
  }

  /** The same feed with the text limits of its table's columns (see {@link #columnLimits}). */
  public FeedSpec withColumnLimits(Map<String, Integer> limits) {
    return new FeedSpec(this, ackColumn, partitioning,
        Collections.unmodifiableMap(new LinkedHashMap<>(limits)));
  }

  /**
   * The same feed partitioned by one of its named templates ({@code "partition": {"daily":
   * ..., "weekly": ..., "default": "daily"}}); fails naming the choices for an unknown name.
   */
  public FeedSpec withPartitioning(String name) {
    if (partitionings.isEmpty()) {
      throw new SpecException("feed " + this.name + " has one partition template;"
          + " a partitioning can be chosen only among named ones");
    }
    if (!partitionings.containsKey(name)) {
      throw new SpecException("feed " + this.name + " has no partitioning '"
          + Names.printable(name) + "' (" + String.join(", ", partitionings.keySet()) + ")");
    }
    return new FeedSpec(this, ackColumn, name);
  }

  private FeedSpec(Builder b) {
    this.ackColumn = false;
    this.columnLimits = Collections.emptyMap();
    this.name = b.name;
    this.format = b.format;
    this.csvHeader = b.csvHeader;
    this.csvDelimiter = b.csvDelimiter;
    this.csvSniffDelimiter = b.csvSniffDelimiter;
    this.csvQuote = b.csvQuote;
    this.csvColumns = List.copyOf(b.csvColumns);
    this.regex = b.regex;
    this.recordStart = b.recordStart;
    this.maxRecordBytes = b.maxRecordBytes;
    this.nullTokens = List.copyOf(b.nullTokens);
    this.fields = List.copyOf(b.fields);
    this.dedupKey = List.copyOf(b.dedupKey);
    this.dedupTtl = b.dedupTtl;
    this.eventTime = b.eventTime;
    this.partitionTemplate = b.partitionTemplate;
    this.table = b.table;
    this.tableKey = List.copyOf(b.tableKey);
    this.tableAppend = b.tableAppend;
    this.normalise = b.normalise;
    this.normaliseSettings = b.normaliseSettings;
    this.partitionings = Collections.unmodifiableMap(new LinkedHashMap<>(b.partitionings));
    this.partitioning = b.partitioning;
    this.extraFields = b.extraFields;
  }

  /** Fields that reach the output, in spec order (dropped ones left out). */
  public List<FieldSpec> keptFields() {
    List<FieldSpec> kept = new ArrayList<>();
    for (FieldSpec f : fields) {
      if (!f.isDropped()) {
        kept.add(f);
      }
    }
    return kept;
  }

  public FieldSpec field(String name) {
    for (FieldSpec f : fields) {
      if (f.name.equals(name)) {
        return f;
      }
    }
    return null;
  }

  /** True where the feed has no natural key and records are keyed by their source id. */
  public boolean keyedBySource() {
    return dedupKey.isEmpty();
  }

  /** The schema of parsed, validated records, before protection. */
  public Schema parsedSchema() {
    Schema.Builder s = Schema.builder();
    for (FieldSpec f : keptFields()) {
      s.addNullableField(f.name, f.type.beamType());
    }
    if (keyedBySource()) {
      s.addStringField(SOURCE_ID);
    }
    if (ackColumn) {
      s.addNullableField(ACK, Schema.FieldType.STRING);
    }
    return s.build();
  }

  /** The schema of output rows: column names, protected fields as text. */
  public Schema outputSchema() {
    Schema.Builder s = Schema.builder();
    for (FieldSpec f : keptFields()) {
      s.addNullableField(f.column, f.outputType().beamType());
    }
    if (keyedBySource()) {
      s.addStringField(SOURCE_ID);
    }
    if (ackColumn) {
      s.addNullableField(ACK, Schema.FieldType.STRING);
    }
    return s.build();
  }

  /** Output column names of the dedup key (the source id where the feed has no key). */
  public List<String> dedupColumns() {
    if (keyedBySource()) {
      return List.of(SOURCE_ID);
    }
    List<String> cols = new ArrayList<>();
    for (String k : dedupKey) {
      cols.add(field(k).column);
    }
    return cols;
  }

  /** The table's key columns: as given, else the dedup columns; none in append mode. */
  public List<String> tableKeyColumns() {
    if (tableAppend) {
      return List.of();
    }
    return tableKey.isEmpty() ? dedupColumns() : tableKey;
  }

  // ---------------------------------------------------------------------------------------
  // Parsing and checking

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  /** Parses and checks a spec; {@code where} names it in messages (usually the file). */
  public static FeedSpec parse(String json, String where) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new SpecException(
          where + ": not valid JSON at line " + e.getLocation().getLineNr() + ", column "
              + e.getLocation().getColumnNr() + " (" + e.getOriginalMessage() + ")");
    }
    if (root == null || !root.isObject()) {
      throw new SpecException(where + ": a spec is a JSON object");
    }
    return new Reader(where).read(root);
  }

  /** Reads one spec, keeping the path of the node being read for messages. */
  private static final class Reader {
    private final String file;

    Reader(String file) {
      this.file = file;
    }

    private SpecException fail(String path, String problem) {
      return new SpecException(file + ": " + path + ": " + problem);
    }

    private void allowOnly(JsonNode node, String path, String... keys) {
      Set<String> allowed = new HashSet<>(List.of(keys));
      Iterator<String> it = node.fieldNames();
      while (it.hasNext()) {
        String k = it.next();
        if (!allowed.contains(k)) {
          throw fail(path, "unknown key '" + Names.printable(k) + "' (allowed: "
              + String.join(", ", keys) + ")");
        }
      }
    }

    private String text(JsonNode node, String key, String path, String dflt) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isTextual()) {
        throw fail(path + "." + key, "must be a string");
      }
      return v.asText();
    }

    private boolean bool(JsonNode node, String key, String path, boolean dflt) {
      JsonNode v = node.get(key);
      if (v == null || v.isNull()) {
        return dflt;
      }
      if (!v.isBoolean()) {
        throw fail(path + "." + key, "must be true or false");
      }
      return v.asBoolean();
    }

    private List<String> strings(JsonNode node, String key, String path) {
      JsonNode v = node.get(key);
      List<String> out = new ArrayList<>();
      if (v == null || v.isNull()) {
        return out;
      }
      if (v.isTextual()) {
        out.add(v.asText());
        return out;
      }
      if (!v.isArray()) {
        throw fail(path + "." + key, "must be a list of strings");
      }
      for (JsonNode e : v) {
        if (!e.isTextual()) {
          throw fail(path + "." + key, "must be a list of strings");
        }
        out.add(e.asText());
      }
      return out;
    }

    private char oneChar(JsonNode node, String key, String path, char dflt) {
      String s = text(node, key, path, null);
      if (s == null) {
        return dflt;
      }
      if (s.equals("\\t")) {
        return '\t';
      }
      if (s.length() != 1) {
        throw fail(path + "." + key, "must be a single character");
      }
      return s.charAt(0);
    }

    FeedSpec read(JsonNode root) {
      allowOnly(root, "spec", "name", "description", "format", "null_values", "fields", "dedup",
          "event_time", "partition", "table", "normalise", "extra_fields");
      Builder b = new Builder();
      b.name = text(root, "name", "spec", null);
      if (b.name == null) {
        throw fail("name", "missing; every feed has a name");
      }
      Names.requireSafe(b.name, file + ": name");
      readFormat(root.get("format"), b);
      if (root.has("null_values")) {
        b.nullTokens = strings(root, "null_values", "spec");
      }
      readFields(root.get("fields"), b);
      readExtraFields(root.get("extra_fields"), b);
      readDedup(root.get("dedup"), b);
      readEventTime(root, b);
      readPartition(root, b);
      readTable(root.get("table"), b);
      readNormalise(root.get("normalise"), b);
      FeedSpec spec = new FeedSpec(b);
      if (spec.normalise != null) {
        String misfit = Normalisers.misfit(spec, spec.normalise);
        if (misfit != null) {
          throw fail("normalise", misfit);
        }
      }
      return spec;
    }

    private void readFormat(JsonNode f, Builder b) {
      if (f == null || f.isNull()) {
        throw fail("format", "missing; say {\"type\": \"json\"}, \"csv\" or \"regex\"");
      }
      if (f.isTextual()) {
        f = MAPPER.createObjectNode().put("type", f.asText());
      }
      if (!f.isObject()) {
        throw fail("format", "must be an object such as {\"type\": \"json\"}");
      }
      allowOnly(f, "format", "type", "header", "delimiter", "quote", "columns", "pattern",
          "max_record_bytes", "record_start");
      String type = text(f, "type", "format", null);
      if (type == null) {
        throw fail("format.type", "missing (json, csv or regex)");
      }
      switch (type.toLowerCase(Locale.ROOT)) {
        case "json":
        case "jsonl":
          b.format = Format.JSON;
          break;
        case "csv":
          b.format = Format.CSV;
          break;
        case "regex":
          b.format = Format.REGEX;
          break;
        default:
          throw fail("format.type", "unknown format '" + Names.printable(type)
              + "' (json, csv or regex)");
      }
      b.csvHeader = bool(f, "header", "format", true);
      b.csvDelimiter = oneChar(f, "delimiter", "format", ',');
      b.csvQuote = oneChar(f, "quote", "format", '"');
      b.csvColumns = strings(f, "columns", "format");
      // A headerless file's delimiter is sniffed from its first record (one column: nothing to
      // sniff, and any delimiter reads it the same).
      b.csvSniffDelimiter = b.format == Format.CSV && !f.has("delimiter")
          && (b.csvHeader || b.csvColumns.size() > 1);
      if (b.format == Format.CSV && !b.csvHeader && b.csvColumns.isEmpty()) {
        throw fail("format.columns", "a CSV without a header needs its columns listed in order");
      }
      if (b.format == Format.CSV && b.csvDelimiter == b.csvQuote) {
        throw fail("format", "delimiter and quote must differ");
      }
      b.regex = text(f, "pattern", "format", null);
      if (b.format == Format.REGEX) {
        if (b.regex == null) {
          throw fail("format.pattern", "a regex format needs a pattern with named groups");
        }
        try {
          Pattern.compile(b.regex);
        } catch (PatternSyntaxException e) {
          throw fail("format.pattern", "not a valid regular expression ("
              + e.getDescription() + " near index " + e.getIndex() + ")");
        }
      }
      b.recordStart = text(f, "record_start", "format", null);
      if (b.recordStart != null) {
        if (b.format != Format.REGEX) {
          throw fail("format.record_start", "only a regex (log) format has continuation lines");
        }
        try {
          Pattern.compile(b.recordStart);
        } catch (PatternSyntaxException e) {
          throw fail("format.record_start", "not a valid regular expression ("
              + e.getDescription() + " near index " + e.getIndex() + ")");
        }
      }
      JsonNode max = f.get("max_record_bytes");
      if (max != null) {
        if (!max.canConvertToLong() || max.asLong() <= 0) {
          throw fail("format.max_record_bytes", "must be a positive whole number");
        }
        b.maxRecordBytes = max.asLong();
      }
    }

    private void readFields(JsonNode fs, Builder b) {
      if (fs == null || !fs.isArray() || fs.isEmpty()) {
        throw fail("fields", "missing or empty; list the feed's fields");
      }
      Set<String> names = new HashSet<>();
      Set<String> columns = new HashSet<>();
      for (int i = 0; i < fs.size(); i++) {
        JsonNode f = fs.get(i);
        String path = "fields[" + i + "]";
        if (!f.isObject()) {
          throw fail(path, "must be an object");
        }
        String name = text(f, "name", path, null);
        if (name == null) {
          throw fail(path + ".name", "missing");
        }
        path = "field '" + Names.printable(name) + "'";
        Names.requireSafe(name, file + ": " + path);
        if (!names.add(name)) {
          throw fail(path, "declared twice");
        }
        b.fields.add(readField(f, path, name));
        FieldSpec added = b.fields.get(b.fields.size() - 1);
        if (!added.isDropped() && !columns.add(added.column)) {
          throw fail(path, "column '" + added.column + "' is used by another field");
        }
        if (FeedSpec.SOURCE_ID.equals(added.column)) {
          throw fail(path, "column " + FeedSpec.SOURCE_ID + " is reserved");
        }
      }
      for (FieldSpec f : b.fields) {
        if (f.split != null) {
          FieldSpec from = null;
          for (FieldSpec g : b.fields) {
            if (g.name.equals(f.split.from)) {
              from = g;
            }
          }
          String path = "field '" + f.name + "'.derive.split.from";
          if (from == null) {
            throw fail(path, "names no field ('" + Names.printable(f.split.from) + "')");
          }
          if (from.isDerived()) {
            throw fail(path, "cannot derive from another derived field");
          }
        }
      }
      if (b.format == Format.REGEX) {
        // Matcher.group(name) throws for a name the pattern lacks: refuse the spec instead.
        Set<String> groups = new HashSet<>();
        Matcher g = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>").matcher(b.regex);
        while (g.find()) {
          groups.add(g.group(1));
        }
        for (FieldSpec f : b.fields) {
          if (!f.isDerived() && !groups.contains(f.source)) {
            throw fail("field '" + f.name + "'", "source '" + Names.printable(f.source)
                + "' is not a named group of format.pattern");
          }
        }
      }
      if (b.format == Format.CSV && !b.csvHeader) {
        Set<String> cols = new HashSet<>(b.csvColumns);
        for (FieldSpec f : b.fields) {
          if (!f.isDerived() && !cols.contains(f.source)) {
            throw fail("field '" + f.name + "'", "source '" + Names.printable(f.source)
                + "' is not one of format.columns");
          }
        }
      }
    }

    private FieldSpec readField(JsonNode f, String path, String name) {
      allowOnly(f, path, "name", "source", "column", "type", "required", "cleanse", "format",
          "zone", "derive", "pii", "mask", "description");
      String typeText = text(f, "type", path, "string");
      FieldType type = FieldType.parse(typeText, file + ": " + path + ".type");
      String source = text(f, "source", path, name);
      String column = text(f, "column", path, name);
      Names.requireSafe(column, file + ": " + path + ".column");
      boolean required = bool(f, "required", path, false);
      List<FieldSpec.Cleanse> cleanse = new ArrayList<>();
      for (String c : strings(f, "cleanse", path)) {
        try {
          cleanse.add(FieldSpec.Cleanse.valueOf(c.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw fail(path + ".cleanse", "unknown step '" + Names.printable(c)
              + "' (trim, lower, upper, collapse_whitespace, digits, version_number)");
        }
      }
      String format = text(f, "format", path, null);
      if (format != null) {
        if (!type.isTemporal()) {
          throw fail(path + ".format", "only date and timestamp fields take a format");
        }
        if (!List.of("iso", "epoch_seconds", "epoch_millis", "epoch").contains(format)) {
          if (type == FieldType.DATE && format.startsWith("epoch")) {
            throw fail(path + ".format", "a date cannot be read from epoch time");
          }
          try {
            DateTimeFormatter.ofPattern(format, Locale.ROOT);
          } catch (IllegalArgumentException e) {
            throw fail(path + ".format", "not a date-time pattern (" + e.getMessage() + ")");
          }
        }
      }
      String zone = text(f, "zone", path, "UTC");
      try {
        ZoneId.of(zone);
      } catch (DateTimeException e) {
        throw fail(path + ".zone", "unknown time zone '" + Names.printable(zone) + "'");
      }
      FieldSpec.Split split = null;
      JsonNode derive = f.get("derive");
      if (derive != null && !derive.isNull()) {
        allowOnly(derive, path + ".derive", "split");
        JsonNode s = derive.get("split");
        if (s == null || !s.isObject()) {
          throw fail(path + ".derive", "say {\"split\": {\"from\": F, \"separator\": S, \"index\": N}}");
        }
        allowOnly(s, path + ".derive.split", "from", "separator", "index", "parts");
        String from = text(s, "from", path + ".derive.split", null);
        String sep = text(s, "separator", path + ".derive.split", null);
        JsonNode idx = s.get("index");
        if (from == null || sep == null || sep.isEmpty()) {
          throw fail(path + ".derive.split", "needs from and a non-empty separator");
        }
        if (idx == null || !idx.canConvertToInt() || idx.asInt() < 0 || idx.asInt() > 1) {
          throw fail(path + ".derive.split.index",
              "must be 0 (before the first separator) or 1 (after it)");
        }
        int minParts = 0;
        int maxParts = 0;
        JsonNode parts = s.get("parts");
        if (parts != null) {
          if (!parts.isArray() || parts.size() != 2 || !parts.get(0).canConvertToInt()
              || !parts.get(1).canConvertToInt() || parts.get(0).asInt() < 1
              || parts.get(1).asInt() < parts.get(0).asInt()) {
            throw fail(path + ".derive.split.parts",
                "say [MIN, MAX], the number of parts a value may have, e.g. [1, 3]");
          }
          minParts = parts.get(0).asInt();
          maxParts = parts.get(1).asInt();
        }
        split = new FieldSpec.Split(from, sep, idx.asInt(), minParts, maxParts);
        if (f.has("source")) {
          throw fail(path, "a derived field has no source");
        }
      }
      PiiAction pii = PiiAction.NONE;
      String piiText = text(f, "pii", path, null);
      if (piiText != null) {
        try {
          pii = PiiAction.valueOf(piiText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw fail(path + ".pii", "unknown action '" + Names.printable(piiText)
              + "' (hash, encrypt, mask, drop)");
        }
      }
      int keepFirst = 0;
      int keepLast = 4;
      JsonNode mask = f.get("mask");
      if (mask != null) {
        if (pii != PiiAction.MASK) {
          throw fail(path + ".mask", "only fields with \"pii\": \"mask\" take mask settings");
        }
        allowOnly(mask, path + ".mask", "keep_first", "keep_last");
        keepFirst = mask.path("keep_first").asInt(0);
        keepLast = mask.path("keep_last").asInt(4);
        if (keepFirst < 0 || keepLast < 0 || keepFirst > 6 || keepLast > 4) {
          throw fail(path + ".mask", "keep_first may be 0 to 6 and keep_last 0 to 4");
        }
      }
      return new FieldSpec(name, source, column, type, required, cleanse, format, zone, split,
          pii, keepFirst, keepLast);
    }

    /**
     * {@code "extra_fields": "keep" | "drop" | "reject"}, or {@code {"action": "keep",
     * "column": "attributes"}} to name the column. JSON feeds only: a CSV or log line has no
     * fields beyond its columns or groups, which the spec lists.
     */
    private void readExtraFields(JsonNode e, Builder b) {
      if (e == null || e.isNull()) {
        return;
      }
      String column = EXTRA_FIELDS;
      String action;
      if (e.isTextual()) {
        action = e.asText();
      } else if (e.isObject()) {
        allowOnly(e, "extra_fields", "action", "column");
        action = text(e, "action", "extra_fields", null);
        column = text(e, "column", "extra_fields", EXTRA_FIELDS);
        if (action == null) {
          throw fail("extra_fields.action", "missing (keep, drop or reject)");
        }
        if (!action.equalsIgnoreCase("keep") && e.has("column")) {
          throw fail("extra_fields.column", "only \"keep\" puts extra fields in a column");
        }
      } else {
        throw fail("extra_fields", "must be \"keep\", \"drop\" or \"reject\"");
      }
      try {
        b.extraFields = ExtraFields.valueOf(action.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException ex) {
        throw fail("extra_fields", "unknown action '" + Names.printable(action)
            + "' (keep, drop or reject)");
      }
      if (b.format != Format.JSON) {
        throw fail("extra_fields", "applies to json feeds only (a " + b.format.name()
            .toLowerCase(Locale.ROOT) + " record has only the columns the spec lists)");
      }
      if (b.extraFields == ExtraFields.KEEP) {
        Names.requireSafe(column, file + ": extra_fields.column");
        if (column.equals(SOURCE_ID) || column.equals(ACK)) {
          throw fail("extra_fields.column", "column " + column + " is reserved");
        }
        for (FieldSpec f : b.fields) {
          if (f.name.equals(column) || (!f.isDropped() && f.column.equals(column))) {
            throw fail("extra_fields.column", "'" + column + "' is already a field or column;"
                + " name another with {\"action\": \"keep\", \"column\": ...}");
          }
        }
        b.fields.add(FieldSpec.extraFields(column));
      }
    }

    /**
     * {@code "normalise": "cafe_orders"}, or {@code {"kind": "cafe_orders", ...settings}}: the
     * settings stay JSON text here and are checked by the normaliser (see {@link Normalisers}).
     */
    private void readNormalise(JsonNode n, Builder b) {
      if (n == null || n.isNull()) {
        return;
      }
      if (n.isTextual()) {
        b.normalise = n.asText();
        return;
      }
      if (!n.isObject()) {
        throw fail("normalise", "must be a normaliser's name or {\"kind\": NAME, ...settings}");
      }
      b.normalise = text(n, "kind", "normalise", null);
      if (b.normalise == null) {
        throw fail("normalise.kind", "missing (" + String.join(", ", Normalisers.KINDS) + ")");
      }
      com.fasterxml.jackson.databind.node.ObjectNode settings =
          ((com.fasterxml.jackson.databind.node.ObjectNode) n).deepCopy();
      settings.remove("kind");
      b.normaliseSettings = settings.toString();
    }

    private void readDedup(JsonNode d, Builder b) {
      if (d == null || d.isNull()) {
        return;
      }
      if (!d.isObject()) {
        throw fail("dedup", "must be an object such as {\"key\": [\"id\"], \"ttl\": \"24h\"}");
      }
      allowOnly(d, "dedup", "key", "ttl");
      b.dedupKey = strings(d, "key", "dedup");
      for (String k : b.dedupKey) {
        FieldSpec f = find(b, k);
        if (f == null) {
          throw fail("dedup.key", "names no field ('" + Names.printable(k) + "')");
        }
        if (f.isDropped()) {
          throw fail("dedup.key", "field '" + k + "' is dropped and cannot be a key");
        }
        if (!f.required) {
          throw fail("dedup.key", "field '" + k + "' must be required to be a key");
        }
      }
      String ttl = text(d, "ttl", "dedup", null);
      if (ttl != null) {
        b.dedupTtl = parseDuration(ttl, "dedup.ttl");
      }
    }

    private void readEventTime(JsonNode root, Builder b) {
      b.eventTime = text(root, "event_time", "spec", null);
      if (b.eventTime != null) {
        FieldSpec f = find(b, b.eventTime);
        if (f == null) {
          throw fail("event_time", "names no field ('" + Names.printable(b.eventTime) + "')");
        }
        if (f.type != FieldType.TIMESTAMP || f.pii != PiiAction.NONE) {
          throw fail("event_time", "field '" + b.eventTime + "' must be an unprotected timestamp");
        }
      }
    }

    private void readPartition(JsonNode root, Builder b) {
      JsonNode p = root.get("partition");
      if (p != null && p.isObject()) {
        readNamedPartitions(p, b);
        return;
      }
      b.partitionTemplate = text(root, "partition", "spec", "");
      checkTemplate(b.partitionTemplate, "partition", b);
    }

    /** {"daily": template, "weekly": template, "default": "daily"}: one is chosen per run. */
    private void readNamedPartitions(JsonNode p, Builder b) {
      String dflt = null;
      Iterator<Map.Entry<String, JsonNode>> it = p.fields();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isTextual()) {
          throw fail("partition." + Names.printable(e.getKey()), "must be a string");
        }
        if (e.getKey().equals("default")) {
          dflt = e.getValue().asText();
          continue;
        }
        Names.requireSafe(e.getKey(), file + ": partition");
        checkTemplate(e.getValue().asText(), "partition." + e.getKey(), b);
        b.partitionings.put(e.getKey(), e.getValue().asText());
      }
      if (b.partitionings.isEmpty()) {
        throw fail("partition", "names no template; say {\"daily\": \"dt={ts:yyyy-MM-dd}\","
            + " \"default\": \"daily\"}");
      }
      if (dflt == null && b.partitionings.size() == 1) {
        dflt = b.partitionings.keySet().iterator().next();
      }
      if (dflt == null || !b.partitionings.containsKey(dflt)) {
        throw fail("partition.default", (dflt == null ? "missing" : "'" + Names.printable(dflt)
            + "' is not one of the templates") + "; name one of "
            + String.join(", ", b.partitionings.keySet()));
      }
      b.partitioning = dflt;
      b.partitionTemplate = b.partitionings.get(dflt);
    }

    private void checkTemplate(String template, String path, Builder b) {
      Matcher m = PLACEHOLDER.matcher(template);
      String rest = PLACEHOLDER.matcher(template).replaceAll("");
      if (rest.contains("{") || rest.contains("}")) {
        throw fail(path, "unbalanced braces in '" + template + "'");
      }
      if (template.startsWith("/") || template.contains("..") || template.contains("//")) {
        throw fail(path, "a template is a relative path without '..' or '//'");
      }
      while (m.find()) {
        String col = m.group(1);
        String pattern = m.group(2);
        FieldSpec f = null;
        for (FieldSpec g : b.fields) {
          if (!g.isDropped() && g.column.equals(col)) {
            f = g;
          }
        }
        if (f == null) {
          throw fail(path, "{" + Names.printable(col) + "} names no output column");
        }
        if (pattern != null) {
          if (!f.outputType().isTemporal()) {
            throw fail(path, "{" + col + ":" + pattern + "}: only dates and timestamps"
                + " take a pattern");
          }
          if (!pattern.equals("iso_week")) {
            try {
              DateTimeFormatter.ofPattern(pattern, Locale.ROOT);
            } catch (IllegalArgumentException e) {
              throw fail(path, "{" + col + ":" + pattern + "}: not a date pattern");
            }
          }
        }
      }
    }

    private void readTable(JsonNode t, Builder b) {
      if (t == null || t.isNull()) {
        b.table = b.name;
        return;
      }
      if (t.isTextual()) {
        t = MAPPER.createObjectNode().put("name", t.asText());
      }
      allowOnly(t, "table", "name", "key", "mode");
      b.table = Names.requireSafe(text(t, "name", "table", b.name), file + ": table.name");
      b.tableKey = strings(t, "key", "table");
      String mode = text(t, "mode", "table", "upsert");
      if (!mode.equals("upsert") && !mode.equals("append")) {
        throw fail("table.mode", "'" + Names.printable(mode) + "' is not upsert or append");
      }
      b.tableAppend = mode.equals("append");
      if (b.tableAppend && !b.tableKey.isEmpty()) {
        throw fail("table.mode", "append takes no table.key (a key means upsert)");
      }
      Set<String> columns = new HashSet<>();
      for (FieldSpec f : b.fields) {
        if (!f.isDropped()) {
          columns.add(f.column);
        }
      }
      if (b.dedupKey.isEmpty()) {
        columns.add(SOURCE_ID);
      }
      for (String k : b.tableKey) {
        if (!columns.contains(k)) {
          throw fail("table.key", "names no output column ('" + Names.printable(k) + "')");
        }
      }
    }

    private FieldSpec find(Builder b, String name) {
      for (FieldSpec f : b.fields) {
        if (f.name.equals(name)) {
          return f;
        }
      }
      return null;
    }

    private Duration parseDuration(String text, String path) {
      return Durations.parse(text, file + ": " + path);
    }
  }

  private static final class Builder {
    String name;
    Format format;
    boolean csvHeader = true;
    char csvDelimiter = ',';
    boolean csvSniffDelimiter;
    char csvQuote = '"';
    List<String> csvColumns = new ArrayList<>();
    String regex;
    String recordStart;
    long maxRecordBytes = DEFAULT_MAX_RECORD_BYTES;
    List<String> nullTokens = List.of("");
    List<FieldSpec> fields = new ArrayList<>();
    List<String> dedupKey = new ArrayList<>();
    Duration dedupTtl = Duration.standardHours(24);
    String eventTime;
    String partitionTemplate = "";
    String table;
    List<String> tableKey = new ArrayList<>();
    boolean tableAppend;
    String normalise;
    String normaliseSettings;
    Map<String, String> partitionings = new LinkedHashMap<>();
    String partitioning;
    ExtraFields extraFields = ExtraFields.DROP;
  }

  /** Placeholders of the partition template in order: column and optional pattern. */
  public Map<String, String> partitionPlaceholders() {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = PLACEHOLDER.matcher(partitionTemplate);
    while (m.find()) {
      out.put(m.group(0), m.group(1) + (m.group(2) == null ? "" : ":" + m.group(2)));
    }
    return Collections.unmodifiableMap(out);
  }

  /** The partition template regex, shared by the path builder. */
  public static Pattern placeholderPattern() {
    return PLACEHOLDER;
  }
}
