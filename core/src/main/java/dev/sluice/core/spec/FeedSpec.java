package dev.sluice.core.spec;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    return schema(f -> f.name, f -> f.type);
  }

  /** The schema of output rows: column names, protected fields as text. */
  public Schema outputSchema() {
    return schema(f -> f.column, FieldSpec::outputType);
  }

  private Schema schema(Function<FieldSpec, String> name, Function<FieldSpec, FieldType> type) {
    Schema.Builder s = Schema.builder();
    for (FieldSpec f : keptFields()) {
      s.addNullableField(name.apply(f), type.apply(f).beamType());
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

  /**
   * Parses and checks a spec; {@code where} names it in messages (usually the file). Jackson
   * binds the JSON ({@link SpecBinding}), then {@link SpecValidator} checks what types cannot.
   */
  public static FeedSpec parse(String json, String where) {
    return new SpecValidator(where).validate(SpecBinding.bind(json, where));
  }

  /** A spec as the validator fills it in, defaults first. */
  static final class Builder {
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

    FeedSpec build() {
      return new FeedSpec(this);
    }

    FieldSpec field(String name) {
      for (FieldSpec f : fields) {
        if (f.name.equals(name)) {
          return f;
        }
      }
      return null;
    }

    List<String> outputColumns() {
      List<String> columns = new ArrayList<>();
      for (FieldSpec f : fields) {
        if (!f.isDropped()) {
          columns.add(f.column);
        }
      }
      return columns;
    }
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
