package dev.sluice.core;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldSpec;
import dev.sluice.core.spec.FieldType;
import java.io.IOException;
import java.io.Serializable;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Turns one raw record into a typed {@link Row} of the feed's parsed schema, or says why it
 * cannot: stage {@code parse} for bytes that are not a record of the feed's format, stage
 * {@code validate} for a record whose fields break the spec. Reasons name the field and the
 * problem, never the value, so they are safe to log and to keep.
 *
 * <p>Not thread-safe; each DoFn instance holds its own.
 */
public final class RecordParser implements Serializable {
  public static final String STAGE_PARSE = "parse";
  public static final String STAGE_VALIDATE = "validate";

  private final FeedSpec spec;
  private final Schema schema;

  private transient ObjectMapper mapper;
  private transient CharsetDecoder utf8;
  private transient CSVFormat csvFormat;
  private transient Pattern regex;
  private transient String lastHeader;
  private transient Map<String, Integer> headerIndex;
  private transient Map<String, DateTimeFormatter> formatters;
  private transient MessageDigest sha256;
  private transient List<FieldSpec> kept;
  /** JSON key to the fields read from it (the extras field aside). */
  private transient Map<String, List<FieldSpec>> bySource;
  /** The field that keeps unnamed keys ({@code "extra_fields": "keep"}), or null. */
  private transient FieldSpec extrasField;
  private transient int droppedFields;
  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,62}");

  public RecordParser(FeedSpec spec) {
    this.spec = spec;
    this.schema = spec.parsedSchema();
  }

  public Schema schema() {
    return schema;
  }

  /** The outcome of one record: a row, or a stage and a reason with what did parse. */
  public static final class Result {
    public final Row row;
    public final String stage;
    public final String reason;
    /** Field name to typed value, for the fields that did convert; for a protected view. */
    public final Map<String, Object> partial;

    private Result(Row row, String stage, String reason, Map<String, Object> partial) {
      this.row = row;
      this.stage = stage;
      this.reason = reason;
      this.partial = partial;
    }

    static Result ok(Row row) {
      return new Result(row, null, null, null);
    }

    static Result fail(String stage, String reason, Map<String, Object> partial) {
      return new Result(null, stage, reason, partial);
    }

    public boolean ok() {
      return row != null;
    }
  }

  /** Thrown inside the parser to stop at the first problem; never leaves this class. */
  private static final class Reject extends Exception {
    final String stage;

    Reject(String stage, String reason) {
      super(reason, null, false, false);
      this.stage = stage;
    }
  }

  public Result parse(RawRecord record) {
    init();
    droppedFields = 0;
    Map<String, Object> typed = new HashMap<>();
    try {
      Map<String, Object> values = extract(record);
      return Result.ok(toRow(values, typed, record));
    } catch (Reject r) {
      return Result.fail(r.stage, r.getMessage(), typed);
    }
  }

  private void init() {
    if (mapper != null) {
      return;
    }
    mapper =
        JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();
    mapper
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder()
                .maxStringLength((int) Math.min(Integer.MAX_VALUE, spec.maxRecordBytes * 2))
                .maxNestingDepth(200)
                .maxNumberLength(JsonValues.MAX_NUMBER_CHARS)
                .build());
    utf8 =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    delimiter = spec.csvDelimiter;
    if (spec.format == FeedSpec.Format.CSV) {
      csvFormat =
          CSVFormat.RFC4180
              .builder()
              .setDelimiter(spec.csvDelimiter)
              .setQuote(spec.csvQuote)
              .setIgnoreEmptyLines(false)
              .get();
    }
    if (spec.format == FeedSpec.Format.REGEX) {
      // With continuation lines a record spans lines: '.' matches newlines too.
      regex = spec.recordStart == null ? Pattern.compile(spec.regex)
          : Pattern.compile(spec.regex, Pattern.DOTALL);
    }
    formatters = new HashMap<>();
    kept = spec.keptFields();
    bySource = new HashMap<>();
    extrasField = null;
    for (FieldSpec f : spec.fields) {
      if (f.extras) {
        extrasField = f;
      } else if (!f.isDerived()) {
        bySource.computeIfAbsent(f.source, k -> new ArrayList<>()).add(f);
      }
    }
  }

  // ---------------------------------------------------------------------------------------
  // Stage parse: bytes to named raw values (String or JsonNode)

  private Map<String, Object> extract(RawRecord record) throws Reject {
    byte[] bytes = record.payload();
    if (bytes.length > spec.maxRecordBytes) {
      throw new Reject(STAGE_PARSE, "record is " + bytes.length + " bytes, over the feed's limit"
          + " of " + spec.maxRecordBytes + " (format.max_record_bytes)");
    }
    String text = decode(bytes);
    int nul = text.indexOf('\u0000');
    if (nul >= 0) {
      throw new Reject(STAGE_PARSE, "holds a NUL character at offset " + nul
          + "; NUL cannot be stored as text");
    }
    switch (spec.format) {
      case JSON:
        return extractJson(text);
      case CSV:
        return extractCsv(text, record.header());
      case REGEX:
      default:
        return extractRegex(text);
    }
  }

  private String decode(byte[] bytes) throws Reject {
    int start = 0;
    if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB
        && (bytes[2] & 0xff) == 0xBF) {
      start = 3;
    }
    try {
      utf8.reset();
      CharBuffer chars = utf8.decode(ByteBuffer.wrap(bytes, start, bytes.length - start));
      return chars.toString();
    } catch (MalformedInputException e) {
      throw new Reject(STAGE_PARSE, "not valid UTF-8 (bad byte sequence of length "
          + e.getInputLength() + ")");
    } catch (CharacterCodingException e) {
      throw new Reject(STAGE_PARSE, "not valid UTF-8");
    }
  }

  /**
   * Reads the object with a streaming parser: the spec's fields are built into values, every
   * other field is only checked as JSON syntax and skipped, so a number no type can hold
   * ({@code 1e9999999999}) in a field the spec does not use never fails the record.
   */
  private Map<String, Object> extractJson(String text) throws Reject {
    Map<String, Object> values = new HashMap<>();
    ObjectNode extras = null;
    int extraCount = 0;
    List<String> extraNames = null;
    try (JsonParser p = mapper.getFactory().createParser(text)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        throw new Reject(STAGE_PARSE, "not valid JSON: the line is blank");
      }
      if (t != JsonToken.START_OBJECT) {
        String kind = kind(t);
        p.skipChildren();
        if (p.nextToken() != null) {
          throw new Reject(STAGE_PARSE, "not valid JSON: more than one JSON value on the line");
        }
        throw new Reject(STAGE_PARSE, "not a JSON object (found " + kind + ")");
      }
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        List<FieldSpec> wanted = bySource.get(p.currentName());
        JsonToken v = p.nextToken();
        if (wanted == null) {
          extraCount++;
          if (spec.extraFields == FeedSpec.ExtraFields.KEEP && extrasField != null) {
            if (extras == null) {
              extras = mapper.createObjectNode();
            }
            String key = p.currentName();
            extras.set(key, JsonValues.read(p, v, extrasField.name));
          } else {
            if (spec.extraFields == FeedSpec.ExtraFields.REJECT) {
              if (extraNames == null) {
                extraNames = new ArrayList<>();
              }
              if (extraNames.size() < 3) {
                // A key is no value, but it may be anything: only plain names go into a reason.
                extraNames.add(SAFE_NAME.matcher(p.currentName()).matches()
                    ? "'" + p.currentName() + "'" : "a key that is not a plain name");
              }
            }
            p.skipChildren();
          }
          continue;
        }
        JsonNode node = JsonValues.read(p, v, wanted.get(0).name);
        if (!node.isNull()) {
          for (FieldSpec f : wanted) {
            values.put(f.name, node);
          }
        }
      }
      if (p.nextToken() != null) {
        throw new Reject(STAGE_PARSE, "not valid JSON: more than one JSON value on the line");
      }
    } catch (JsonValues.TooBig e) {
      throw new Reject(STAGE_VALIDATE, e.getMessage());
    } catch (JsonProcessingException e) {
      throw new Reject(STAGE_PARSE, "not valid JSON: " + safeJsonProblem(e));
    } catch (IOException e) {
      throw new Reject(STAGE_PARSE, "not valid JSON: malformed");
    }
    settleExtraFields(extras, extraCount, extraNames, values);
    return values;
  }

  private static String kind(JsonToken t) {
    switch (t) {
      case START_ARRAY:
        return "an array";
      case VALUE_STRING:
        return "a string";
      case VALUE_NUMBER_INT:
      case VALUE_NUMBER_FLOAT:
        return "a number";
      case VALUE_TRUE:
      case VALUE_FALSE:
        return "a boolean";
      case VALUE_NULL:
      default:
        return "null";
    }
  }

  /**
   * The keys no field names: under {@code keep} one JSON object in the extras field, under
   * {@code drop} only counted ({@link #droppedFields}), under {@code reject} the record's end.
   * Named fields (and so their PII actions) never reach the extras.
   */
  private void settleExtraFields(ObjectNode kept, int count, List<String> names,
      Map<String, Object> values) throws Reject {
    droppedFields = 0;
    if (count == 0) {
      return;
    }
    if (spec.extraFields == FeedSpec.ExtraFields.REJECT) {
      throw new Reject(STAGE_VALIDATE, "record has " + count + " field" + (count == 1 ? "" : "s")
          + " the spec does not name (" + String.join(", ", names)
          + (count > names.size() ? ", ..." : "") + "); the spec says extra_fields: reject");
    }
    if (kept == null) {
      droppedFields = count;
      return;
    }
    String problem = JsonValues.problem(kept, extrasField.name);
    if (problem != null) {
      throw new Reject(STAGE_VALIDATE, problem);
    }
    values.put(extrasField.name, kept);
  }

  /**
   * How many of the last record's keys no field names and were dropped ({@code
   * "extra_fields": "drop"}); 0 after any other outcome.
   */
  public int droppedFields() {
    return droppedFields;
  }

  /**
   * Jackson's messages quote the offending token, which may be personal data: keep only the
   * kind of problem and its place.
   */
  static String safeJsonProblem(JsonProcessingException e) {
    String msg = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    String problem;
    if (msg.startsWith("Duplicate field")) {
      problem = "a key appears twice";
    } else if (msg.contains("end-of-input") || msg.contains("Unexpected end")) {
      problem = "truncated (ends inside a value)";
    } else if (msg.contains("Trailing token") || msg.contains("trailing")) {
      problem = "more than one JSON value on the line";
    } else if (msg.contains("Illegal unquoted character")
        || msg.contains("CTRL-CHAR")) {
      problem = "a control character inside a string must be escaped";
    } else if (msg.contains("Invalid UTF-8")) {
      problem = "invalid UTF-8";
    } else if (msg.contains("exceeds the maximum")) {
      problem = "a value is longer or deeper than allowed";
    } else if (msg.contains("Unrecognized token") || msg.contains("Unexpected character")) {
      problem = "unexpected character";
    } else {
      problem = "malformed";
    }
    if (e.getLocation() != null && e.getLocation().getColumnNr() > 0) {
      problem += " at column " + e.getLocation().getColumnNr();
    }
    return problem;
  }

  private static String kind(JsonNode n) {
    if (n.isArray()) {
      return "an array";
    }
    if (n.isTextual()) {
      return "a string";
    }
    if (n.isNumber()) {
      return "a number";
    }
    if (n.isBoolean()) {
      return "a boolean";
    }
    if (n.isNull()) {
      return "null";
    }
    return n.isObject() ? "an object" : "a " + n.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  private Map<String, Object> extractCsv(String text, String header) throws Reject {
    Map<String, Integer> index;
    if (spec.csvHeader) {
      if (header == null) {
        throw new Reject(STAGE_PARSE, "no header line came before this record");
      }
      index = headerIndex(header);
    } else {
      index = columnsIndex();
      if (spec.csvSniffDelimiter && header != null && !header.equals(lastHeader)) {
        // No header: the splitter passes the file's first record, its delimiter the file's.
        delimiter = RecordSplitter.sniffDelimiter(header, spec.csvQuote, spec.csvColumns.size());
        csvFormat = csvFormat.builder().setDelimiter(delimiter).get();
        lastHeader = header;
      }
    }
    // After the header: a sniffed delimiter is the file's.
    List<String> cells = csvCells(text, "record");
    int expected = spec.csvHeader ? headerSize : spec.csvColumns.size();
    if (cells.size() != expected) {
      throw new Reject(STAGE_PARSE, "row has " + cells.size() + " values; the "
          + (spec.csvHeader ? "header" : "spec's format.columns") + " has " + expected);
    }
    Map<String, Object> values = new HashMap<>();
    for (FieldSpec f : spec.fields) {
      if (f.isDerived()) {
        continue;
      }
      Integer i = index.get(normalise(f.source));
      if (i == null) {
        throw new Reject(STAGE_PARSE, "the header (read with delimiter "
            + RecordSplitter.printable(delimiter) + (spec.csvSniffDelimiter ? ", sniffed" : "")
            + ") has no column for field '"
            + f.name + "'");
      }
      values.put(f.name, cells.get(i));
    }
    return values;
  }

  private transient int headerSize;
  /** The delimiter in use: the spec's, or the one sniffed from the current file's header. */
  private transient char delimiter;

  private Map<String, Integer> headerIndex(String header) throws Reject {
    if (!header.equals(lastHeader)) {
      if (spec.csvSniffDelimiter) {
        // The file's delimiter, found from its header as the splitter found it.
        delimiter = RecordSplitter.sniffDelimiter(header, spec.csvQuote);
        csvFormat = csvFormat.builder().setDelimiter(delimiter).get();
      }
      List<String> names = csvCells(header, "header");
      Map<String, Integer> idx = new HashMap<>();
      for (int i = 0; i < names.size(); i++) {
        idx.putIfAbsent(normalise(names.get(i)), i);
      }
      lastHeader = header;
      headerIndex = idx;
      headerSize = names.size();
    }
    return headerIndex;
  }

  private Map<String, Integer> columnsIndex() {
    if (headerIndex == null) {
      headerIndex = new HashMap<>();
      for (int i = 0; i < spec.csvColumns.size(); i++) {
        headerIndex.put(normalise(spec.csvColumns.get(i)), i);
      }
    }
    return headerIndex;
  }

  /** Header names match fields after trimming, lower-casing, and spaces as underscores. */
  public static String normalise(String name) {
    String n = name.strip();
    if (!n.isEmpty() && n.charAt(0) == '\uFEFF') {
      n = n.substring(1).strip();
    }
    return n.toLowerCase(Locale.ROOT).replaceAll("\\s+", "_");
  }

  private List<String> csvCells(String text, String what) throws Reject {
    if (text.isEmpty()) {
      // A blank line of a one-column file: one empty value (as PostgreSQL's CSV reader reads it).
      return List.of("");
    }
    try (CSVParser parser = CSVParser.parse(new StringReader(text), csvFormat)) {
      Iterator<CSVRecord> it = parser.iterator();
      if (!it.hasNext()) {
        throw new Reject(STAGE_PARSE, "empty " + what);
      }
      CSVRecord rec = it.next();
      if (it.hasNext()) {
        throw new Reject(STAGE_PARSE, "holds more than one " + what);
      }
      List<String> cells = new ArrayList<>(rec.size());
      rec.forEach(cells::add);
      return cells;
    } catch (IOException | UncheckedIOException | IllegalStateException e) {
      String msg = String.valueOf(e.getMessage());
      if (msg.contains("EOF reached before encapsulated token finished")) {
        throw new Reject(STAGE_PARSE, "unterminated quoted field in the " + what);
      }
      // commons-csv 1.14 says "Invalid character between ..."; older ones "invalid char ...".
      if (msg.contains("between encapsulated token and delimiter")) {
        throw new Reject(STAGE_PARSE, "text after a closing quote in the " + what);
      }
      throw new Reject(STAGE_PARSE, "not valid CSV in the " + what);
    }
  }

  private Map<String, Object> extractRegex(String text) throws Reject {
    Matcher m = regex.matcher(text);
    if (!m.matches()) {
      throw new Reject(STAGE_PARSE, "line does not match the feed's pattern");
    }
    Map<String, Object> values = new HashMap<>();
    for (FieldSpec f : spec.fields) {
      if (!f.isDerived()) {
        String v = m.group(f.source);
        if (v != null) {
          values.put(f.name, v);
        }
      }
    }
    return values;
  }

  // ---------------------------------------------------------------------------------------
  // Stage validate: cleanse, derive, type and check each field

  private Row toRow(Map<String, Object> raw, Map<String, Object> typed, RawRecord record)
      throws Reject {
    Map<String, String> texts = new HashMap<>();
    for (FieldSpec f : spec.fields) {
      if (f.isDerived()) {
        continue;
      }
      Object v = raw.get(f.name);
      if (v instanceof JsonNode) {
        JsonNode n = (JsonNode) v;
        if (f.type == FieldType.JSON) {
          typed.put(f.name, checkJson(f, n));
          continue;
        }
        if (n.isContainerNode()) {
          throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': expected " + expected(f)
              + ", got " + kind(n));
        }
        if (n.isNumber() && f.convertsText()) {
          // A version sent as 3 or 2.3 converts like the text "3" or "2.3" would.
          String text = cleanse(f, n.asText());
          if (text != null) {
            texts.put(f.name, text);
            typed.put(f.name, convert(f, text));
          }
          continue;
        }
        if (n.isNumber() && !numericType(f.type) && f.type != FieldType.STRING
            && !(f.type == FieldType.TIMESTAMP && f.format != null
                && f.format.startsWith("epoch"))) {
          throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': expected " + expected(f)
              + ", got a number");
        }
        if (n.isBoolean() && f.type != FieldType.BOOLEAN && f.type != FieldType.STRING) {
          throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': expected " + expected(f)
              + ", got a boolean");
        }
        if (n.isNumber() && numericType(f.type)) {
          typed.put(f.name, jsonNumber(f, n));
          continue;
        }
        if (n.isNumber() && f.type == FieldType.TIMESTAMP) {
          typed.put(f.name, epoch(f, n));
          continue;
        }
        if (n.isBoolean() && f.type == FieldType.BOOLEAN) {
          typed.put(f.name, n.booleanValue());
          continue;
        }
        v = n.asText();
      }
      String text = cleanse(f, (String) v);
      if (text != null) {
        texts.put(f.name, text);
        typed.put(f.name, convert(f, text));
      }
    }
    for (FieldSpec f : spec.fields) {
      if (!f.isDerived()) {
        continue;
      }
      String from = texts.get(f.split.from);
      if (from == null && typed.get(f.split.from) != null) {
        from = String.valueOf(typed.get(f.split.from));
      }
      String derived = null;
      if (from != null && f.split.maxParts > 0) {
        int parts = countParts(from, f.split.separator);
        if (parts < f.split.minParts || parts > f.split.maxParts) {
          throw new Reject(STAGE_VALIDATE, "field '" + f.split.from + "' has " + parts + " part"
              + (parts == 1 ? "" : "s") + " separated by '" + f.split.separator + "'; the spec"
              + " takes " + f.split.minParts + " to " + f.split.maxParts);
        }
        if (parts == 1 && f.split.index == 0) {
          from = null;
          derived = texts.get(f.split.from) != null ? texts.get(f.split.from)
              : String.valueOf(typed.get(f.split.from));
        }
      }
      if (from != null) {
        int at = from.indexOf(f.split.separator);
        if (at >= 0) {
          derived = f.split.index == 0 ? from.substring(0, at)
              : from.substring(at + f.split.separator.length());
        } else if (f.required) {
          throw new Reject(STAGE_VALIDATE, "field '" + f.split.from + "' has no '"
              + f.split.separator + "' to split into '" + f.name + "'");
        }
      }
      String text = cleanse(f, derived);
      if (text != null) {
        typed.put(f.name, convert(f, text));
      }
    }
    for (FieldSpec f : spec.fields) {
      if (f.required && typed.get(f.name) == null) {
        throw new Reject(STAGE_VALIDATE, "field '" + f.name + "' is required but "
            + (f.isDerived() || raw.containsKey(f.name) ? "empty" : "missing"));
      }
    }
    List<Object> values = new ArrayList<>(schema.getFieldCount());
    for (FieldSpec f : kept) {
      values.add(typed.get(f.name));
    }
    if (spec.keyedBySource()) {
      values.add(sourceId(record.sourceId()));
    }
    if (spec.ackColumn) {
      values.add(record.ackId());
    }
    // Every value already has its field's type (the conversions above make sure), so the row
    // takes them as they are: Row.Builder.build() would check and copy each one again.
    return Row.withSchema(schema).attachValues(values);
  }

  private static int countParts(String value, String separator) {
    int n = 1;
    for (int at = value.indexOf(separator); at >= 0;
        at = value.indexOf(separator, at + separator.length())) {
      n++;
    }
    return n;
  }

  private static boolean numericType(FieldType t) {
    return t == FieldType.INT || t == FieldType.LONG || t == FieldType.DOUBLE
        || t == FieldType.DECIMAL;
  }

  /** A JSON field's value as canonical text, once it is sure every output can store it. */
  private String checkJson(FieldSpec f, JsonNode n) throws Reject {
    String problem = JsonValues.problem(n, f.name);
    if (problem != null) {
      throw new Reject(STAGE_VALIDATE, problem);
    }
    // Escapes such as \ud800 decode to lone surrogates: the written text shows them.
    return checkText(f, canonicalJson(n));
  }

  private String canonicalJson(JsonNode n) throws Reject {
    try {
      return mapper.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new Reject(STAGE_VALIDATE, "a JSON value could not be written back");
    }
  }

  private String cleanse(FieldSpec f, String v) throws Reject {
    if (v == null) {
      return null;
    }
    String s = v;
    for (FieldSpec.Cleanse c : f.cleanse) {
      switch (c) {
        case TRIM:
          s = s.strip();
          break;
        case LOWER:
          s = s.toLowerCase(Locale.ROOT);
          break;
        case UPPER:
          s = s.toUpperCase(Locale.ROOT);
          break;
        case DIGITS:
          s = digits(s);
          break;
        case VERSION_NUMBER:
          s = versionNumber(f, s);
          break;
        case COLLAPSE_WHITESPACE:
        default:
          s = s.strip().replaceAll("\\s+", " ");
          break;
      }
    }
    String trimmed = s.strip();
    for (String token : spec.nullTokens) {
      if (trimmed.equalsIgnoreCase(token)) {
        return null;
      }
    }
    return checkText(f, s);
  }

  private static String digits(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** MAJOR[.MINOR[.PATCH]], an optional leading v; minor and patch below 100. */
  private static final Pattern VERSION =
      Pattern.compile("[vV]?([0-9]{1,5})(?:\\.([0-9]{1,2})(?:\\.([0-9]{1,2}))?)?");

  /**
   * A dotted version as MAJOR x 10000 + MINOR x 100 + PATCH: distinct versions stay distinct
   * and keep their order (at most 99 for minor and patch, 99999 for major, so it fits an int).
   * Blank text is left for the null tokens.
   */
  private static String versionNumber(FieldSpec f, String s) throws Reject {
    String t = s.strip();
    if (t.isEmpty()) {
      return t;
    }
    Matcher m = VERSION.matcher(t);
    if (!m.matches()) {
      throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': expected a version"
          + " MAJOR[.MINOR[.PATCH]] (minor and patch at most 99) for cleanse version_number,"
          + " got text that is not");
    }
    long v = Long.parseLong(m.group(1)) * 10000
        + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 100)
        + (m.group(3) == null ? 0 : Long.parseLong(m.group(3)));
    return Long.toString(v);
  }

  private static String checkText(FieldSpec f, String s) throws Reject {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\u0000') {
        throw new Reject(STAGE_VALIDATE, "field '" + f.name + "' holds a NUL character");
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        throw new Reject(STAGE_VALIDATE, "field '" + f.name + "' holds a lone UTF-16 surrogate");
      }
      if (Character.isLowSurrogate(c)) {
        throw new Reject(STAGE_VALIDATE, "field '" + f.name + "' holds a lone UTF-16 surrogate");
      }
    }
    return s;
  }

  private static String expected(FieldSpec f) {
    switch (f.type) {
      case INT:
      case LONG:
        return "an integer";
      case DOUBLE:
      case DECIMAL:
        return "a number";
      case BOOLEAN:
        return "true or false";
      case DATE:
        return "a date" + (f.format == null || f.format.equals("iso") ? " (yyyy-MM-dd)"
            : " (" + f.format + ")");
      case TIMESTAMP:
        if (f.format != null && f.format.startsWith("epoch")) {
          return "a number (" + (f.format.equals("epoch") ? "epoch seconds or milliseconds"
              : f.format.replace('_', ' ')) + ")";
        }
        return "a timestamp" + (f.format == null || f.format.equals("iso") ? " (ISO-8601)"
            : " (" + f.format + ")");
      case JSON:
        return "JSON";
      case STRING:
      default:
        return "text";
    }
  }

  private Object jsonNumber(FieldSpec f, JsonNode n) throws Reject {
    switch (f.type) {
      case INT:
        if (n.isIntegralNumber() && n.canConvertToInt()) {
          return n.intValue();
        }
        throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': expected an integer"
            + (n.isIntegralNumber() ? " within 32 bits" : ", got a fraction"));
      case LONG:
        if (n.isIntegralNumber() && n.canConvertToLong()) {
          return n.longValue();
        }
        throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': expected an integer"
            + (n.isIntegralNumber() ? " within 64 bits" : ", got a fraction"));
      case DOUBLE:
        return finite(f, n.doubleValue());
      case DECIMAL:
      default:
        return numeric(f, n.decimalValue());
    }
  }

  /** Infinity and NaN are no JSON number, and 1e999 would silently become one. */
  private static Double finite(FieldSpec f, double d) throws Reject {
    if (!Double.isFinite(d)) {
      throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': a number beyond the range of a"
          + " double (or not a number)");
    }
    return d;
  }

  /** Only what PostgreSQL's numeric holds, so no table refuses a row the files took. */
  private static BigDecimal numeric(FieldSpec f, BigDecimal d) throws Reject {
    if (!JsonValues.fitsNumeric(d)) {
      throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': a number outside the range"
          + " PostgreSQL's numeric holds (131072 digits before the point, 16383 after)");
    }
    return d;
  }

  private Object epoch(FieldSpec f, JsonNode n) throws Reject {
    return epochInstant(f, n.decimalValue());
  }

  /** Seconds at or above this (year 5138) are read as milliseconds by format {@code epoch}. */
  static final BigDecimal EPOCH_MILLIS_FROM = new BigDecimal("1e11");

  private static final BigDecimal MAX_EPOCH_MILLIS = BigDecimal.valueOf(253402300799999L);

  /**
   * An epoch number as an instant: {@code epoch_seconds} (fractions allowed, to the
   * millisecond), {@code epoch_millis}, or {@code epoch}, which reads values of magnitude
   * 1e11 or more as milliseconds and smaller ones as seconds (1e11 s is year 5138; 1e11 ms is
   * 1973-03-03, before any event stamped in milliseconds that it could be confused with).
   */
  private org.joda.time.Instant epochInstant(FieldSpec f, BigDecimal v) throws Reject {
    boolean millis = "epoch_millis".equals(f.format)
        || ("epoch".equals(f.format) && v.abs().compareTo(EPOCH_MILLIS_FROM) >= 0);
    if (v.precision() - v.scale() > 20) {
      // Checked before any rounding: 1e99999999 would otherwise be expanded digit by digit.
      throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': epoch time beyond year 9999");
    }
    BigDecimal ms = (millis ? v : v.movePointRight(3)).setScale(0, RoundingMode.FLOOR);
    if (ms.abs().compareTo(MAX_EPOCH_MILLIS) > 0) {
      throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': epoch time beyond year 9999");
    }
    return new org.joda.time.Instant(ms.longValueExact());
  }

  private Object convert(FieldSpec f, String s) throws Reject {
    try {
      switch (f.type) {
        case INT:
          return Integer.parseInt(s.strip());
        case LONG:
          return parseLong(f, s.strip());
        case DOUBLE:
          return finite(f, Double.parseDouble(s.strip()));
        case DECIMAL:
          return numeric(f, new BigDecimal(s.strip()));
        case BOOLEAN:
          return parseBoolean(f, s.strip());
        case DATE:
          return parseDate(f, s.strip());
        case TIMESTAMP:
          return parseTimestamp(f, s.strip());
        case JSON:
          try {
            return checkJson(f, JsonValues.parse(mapper.getFactory(), s, f.name));
          } catch (JsonValues.TooBig e) {
            throw new Reject(STAGE_VALIDATE, e.getMessage());
          } catch (IOException e) {
            throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': expected JSON, got text"
                + " that is not");
          }
        case STRING:
        default:
          return s;
      }
    } catch (NumberFormatException | DateTimeException e) {
      throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': expected " + expected(f)
          + ", got text that is not");
    }
  }

  private static Long parseLong(FieldSpec f, String s) throws Reject {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      if (s.matches("[+-]?[0-9]+")) {
        throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': expected an integer within"
            + " 64 bits (bigint)");
      }
      throw e;
    }
  }

  private static Boolean parseBoolean(FieldSpec f, String s) throws Reject {
    switch (s.toLowerCase(Locale.ROOT)) {
      case "true":
      case "t":
      case "yes":
      case "y":
      case "1":
        return Boolean.TRUE;
      case "false":
      case "f":
      case "no":
      case "n":
      case "0":
        return Boolean.FALSE;
      default:
        throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': expected true or false");
    }
  }

  private DateTimeFormatter formatter(String pattern) {
    // STRICT: 31/02 is not a date (SMART would quietly make it 28/02).
    return formatters.computeIfAbsent(pattern, p -> DateTimeFormatter
        .ofPattern(strictYears(p), Locale.ENGLISH).withResolverStyle(ResolverStyle.STRICT));
  }

  /** 'y' (year of era) as 'u' (year) outside quotes: STRICT resolves 'y' only with an era. */
  static String strictYears(String pattern) {
    if (pattern.indexOf('G') >= 0) {
      return pattern;
    }
    StringBuilder b = new StringBuilder(pattern.length());
    boolean quoted = false;
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      }
      b.append(!quoted && c == 'y' ? 'u' : c);
    }
    return b.toString();
  }

  private LocalDate parseDate(FieldSpec f, String s) {
    if (f.format == null || f.format.equals("iso")) {
      return LocalDate.parse(s);
    }
    return LocalDate.parse(s, formatter(f.format));
  }

  private org.joda.time.Instant parseTimestamp(FieldSpec f, String s) throws Reject {
    if (f.format != null && f.format.startsWith("epoch")) {
      BigDecimal v;
      try {
        if (s.length() > 40) {
          throw new NumberFormatException();
        }
        v = new BigDecimal(s);
      } catch (NumberFormatException e) {
        throw new Reject(STAGE_VALIDATE, "field '" + f.name + "': expected " + expected(f)
            + ", got text that is not");
      }
      return epochInstant(f, v);
    }
    ZoneId zone = ZoneId.of(f.zone);
    long millis;
    if (f.format == null || f.format.equals("iso")) {
      String t = s.length() > 10 && s.charAt(10) == ' ' ? s.substring(0, 10) + "T"
          + s.substring(11) : s;
      TemporalAccessor parsed =
          DateTimeFormatter.ISO_DATE_TIME.parseBest(t, ZonedDateTime::from, LocalDateTime::from);
      millis = toMillis(parsed, zone);
    } else {
      TemporalAccessor parsed =
          formatter(f.format).parseBest(s, ZonedDateTime::from, OffsetDateTime::from,
              LocalDateTime::from);
      millis = toMillis(parsed, zone);
    }
    return new org.joda.time.Instant(millis);
  }

  private static long toMillis(TemporalAccessor t, ZoneId zone) {
    if (t instanceof ZonedDateTime) {
      return ((ZonedDateTime) t).toInstant().toEpochMilli();
    }
    if (t instanceof OffsetDateTime) {
      return ((OffsetDateTime) t).toInstant().toEpochMilli();
    }
    if (t instanceof LocalDateTime) {
      return ((LocalDateTime) t).atZone(zone).toInstant().toEpochMilli();
    }
    throw new DateTimeParseException("unsupported", "", 0);
  }

  /** A short stable id from the record's place at its source; no path leaks into outputs. */
  private String sourceId(String source) {
    if (sha256 == null) {
      try {
        sha256 = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
    byte[] d = sha256.digest(source.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(d, 0, 16);
  }
}
