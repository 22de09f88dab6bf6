package dev.sluice.lake;

import dev.sluice.core.RecordParser;
import dev.sluice.core.RecordSplitter;
import dev.sluice.core.spec.Names;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * A data object read as its table's schema says: strict UTF-8, the schema's delimiter and
 * quote, and (with a header) columns matched by name after trimming, lower-casing and spaces as
 * underscores. Without a header, fields are the schema's columns in order.
 *
 * <p>A header naming a column the schema lacks, naming one twice, or missing a primary key
 * column refuses the whole file: such a file cannot be loaded as intended. Row problems (a
 * value that does not convert or fit, a wrong field count, an empty key) are per row.
 */
final class CsvFile implements AutoCloseable {
  /** A row's values in {@link #columns()} order, database text or null. */
  static final class Row {
    final long line;
    final String[] values;
    final List<String> raw;
    final String problem;

    Row(long line, String[] values, List<String> raw, String problem) {
      this.line = line;
      this.values = values;
      this.raw = raw;
      this.problem = problem;
    }
  }

  private final TableSchema schema;
  private final boolean lengthInBytes;
  private final CSVParser parser;
  private final Iterator<CSVRecord> records;
  private final List<TableSchema.Column> columns = new ArrayList<>();
  /** For each file field, the index in {@link #columns}. */
  private final int[] fieldToColumn;
  private final List<String> headerNames;
  private long lastLine;
  /** The delimiter this file is read with: the schema's, or sniffed from its first line. */
  private final char delimiter;

  /** Default bound of one record (and so of each field), in characters. */
  static final int DEFAULT_MAX_RECORD_CHARS = 16 << 20;

  private final Bounded bounded;

  CsvFile(InputStream in, TableSchema schema, boolean lengthInBytes) throws Refused, IOException {
    this(in, schema, lengthInBytes, DEFAULT_MAX_RECORD_CHARS);
  }

  /**
   * {@code maxRecordChars} bounds a record: a field that never ends (an opening quote never
   * closed, a file without line breaks) refuses the file when it passes the bound, instead of
   * filling the heap.
   */
  CsvFile(InputStream in, TableSchema schema, boolean lengthInBytes, int maxRecordChars)
      throws Refused, IOException {
    this.schema = schema;
    this.lengthInBytes = lengthInBytes;
    CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    BufferedReader buffered = new BufferedReader(new InputStreamReader(in, utf8), 1 << 16);
    this.delimiter = schema.sniffDelimiter
        ? RecordSplitter.sniffDelimiter(firstLine(buffered), schema.quote,
            schema.header ? 0 : schema.columns.size())
        : schema.delimiter;
    this.bounded = new Bounded(buffered, maxRecordChars);
    Reader reader = bounded;
    CSVFormat format = CSVFormat.RFC4180.builder()
        .setDelimiter(delimiter)
        .setQuote(schema.quote)
        .setIgnoreEmptyLines(false)
        .setRecordSeparator("\n")
        .get();
    this.parser = CSVParser.parse(reader, format);
    this.records = parser.iterator();
    if (schema.header) {
      CSVRecord h = nextRecord();
      if (h == null) {
        throw new Refused("the file is empty: it has no header line");
      }
      headerNames = h.toList();
      fieldToColumn = new int[headerNames.size()];
      Map<String, Integer> seen = new HashMap<>();
      for (int i = 0; i < headerNames.size(); i++) {
        String name = RecordParser.normalise(headerNames.get(i));
        TableSchema.Column c = schema.column(name);
        if (c == null && headerNames.size() == 1 && schema.columns.size() > 1) {
          throw new Refused(delimiterProblem(headerNames.get(0), schema, delimiter));
        }
        if (c == null) {
          throw new Refused("header column '" + Names.printable(name) + "' is not in the schema"
              + " of table " + schema.table + " (columns: " + schema.columnNames() + "; header"
              + " read with delimiter " + shown(delimiter)
              + (schema.sniffDelimiter ? ", sniffed" : "") + ")");
        }
        if (seen.containsKey(name)) {
          throw new Refused("header names column '" + name + "' twice");
        }
        seen.put(name, i);
        fieldToColumn[i] = columns.size();
        columns.add(c);
      }
      for (String k : schema.primaryKey) {
        if (!seen.containsKey(k)) {
          throw new Refused("header lacks primary key column '" + k + "'");
        }
      }
    } else {
      headerNames = null;
      columns.addAll(schema.columns);
      fieldToColumn = new int[columns.size()];
      for (int i = 0; i < fieldToColumn.length; i++) {
        fieldToColumn[i] = i;
      }
    }
  }

  /** The file's columns, in field order. */
  List<TableSchema.Column> columns() {
    return columns;
  }

  /** The header as written, or null. */
  List<String> headerNames() {
    return headerNames;
  }

  /** The next row that is not blank, or null at the end. */
  Row next() throws IOException, Refused {
    while (true) {
      long start = lastLine + 1;
      CSVRecord r = nextRecord();
      if (r == null) {
        return null;
      }
      if (r.size() == 1 && r.get(0).isEmpty()) {
        continue;
      }
      List<String> raw = r.toList();
      if (raw.size() != fieldToColumn.length) {
        return new Row(start, null, raw, "has " + raw.size() + " fields where "
            + (schema.header ? "the header has " : "the schema has ") + fieldToColumn.length);
      }
      String[] values = new String[columns.size()];
      String problem = null;
      for (int i = 0; i < raw.size() && problem == null; i++) {
        TableSchema.Column c = columns.get(fieldToColumn[i]);
        String v = raw.get(i).strip();
        if (v.isEmpty()) {
          if (schema.primaryKey.contains(c.name)) {
            problem = "primary key column '" + c.name + "' is empty";
          }
          continue;
        }
        try {
          values[fieldToColumn[i]] = c.type.convert(v, lengthInBytes);
        } catch (IllegalArgumentException e) {
          problem = "column '" + c.name + "': " + e.getMessage();
        }
      }
      return new Row(start, problem == null ? values : null, raw, problem);
    }
  }

  /** The next record; malformed CSV or bytes refuse the file, source failures stay IOExceptions. */
  private CSVRecord nextRecord() throws IOException, Refused {
    try {
      if (!records.hasNext()) {
        return null;
      }
      CSVRecord r = records.next();
      lastLine = parser.getCurrentLineNumber();
      bounded.recordEnded();
      return r;
    } catch (UncheckedIOException e) {
      throw problem(e.getCause());
    } catch (IllegalStateException e) {
      // commons-csv wraps parse errors in IllegalStateException in some versions.
      Throwable cause = e.getCause() instanceof IOException ? e.getCause() : e;
      if (cause instanceof IOException) {
        throw problem((IOException) cause);
      }
      throw new Refused("the CSV is malformed after line " + lastLine);
    }
  }

  private IOException problem(IOException e) throws Refused {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TooLong) {
        throw new Refused("a record after line " + lastLine + " is longer than "
            + ((TooLong) t).limit + " characters (a field that never ends?); the limit is"
            + " --maxRecordBytes");
      }
      if (t instanceof SourceFailure) {
        return (SourceFailure) t;
      }
      if (t instanceof java.nio.charset.CharacterCodingException) {
        throw new Refused("the file is not valid UTF-8 (after line " + lastLine + ")");
      }
    }
    throw new Refused("the CSV is malformed after line " + lastLine + " ("
        + Names.printable(String.valueOf(e.getMessage())) + ")");
  }

  @Override
  public void close() throws IOException {
    parser.close();
  }

  /**
   * Why a header read as one field does not match: the file is delimited by another
   * character than the schema's. Names the characters, not the header (which would read as
   * one long column name).
   */
  static String delimiterProblem(String header, TableSchema schema, char used) {
    if (schema.sniffDelimiter) {
      return "the header is one field where the schema of table " + schema.table + " has "
          + schema.columns.size() + " columns: no delimiter (, ; tab |) was found in it to"
          + " sniff, so it was read with " + shown(used) + " (set csv.delimiter in the schema)";
    }
    for (char d : new char[] {',', ';', '\t', '|'}) {
      if (d != schema.delimiter && header.indexOf(d) >= 0) {
        return "the header is one field, but holds " + shown(d) + ": the file seems delimited"
            + " by " + shown(d) + " where the schema of table " + schema.table + " says "
            + shown(schema.delimiter) + " (set csv.delimiter in the schema, or send the file"
            + " with " + shown(schema.delimiter) + ")";
      }
    }
    return "the header is one field where the schema of table " + schema.table + " has "
        + schema.columns.size() + " columns delimited by " + shown(schema.delimiter);
  }

  /**
   * The file's first line (at most 64 Ki characters), the reader left where it was: for
   * sniffing the delimiter before the CSV parser reads anything.
   */
  private String firstLine(BufferedReader r) throws IOException, Refused {
    int max = 1 << 16;
    StringBuilder b = new StringBuilder();
    try {
      r.mark(max + 1);
      for (int c; b.length() < max && (c = r.read()) >= 0 && c != '\n'; ) {
        b.append((char) c);
      }
      r.reset();
    } catch (IOException e) {
      throw problem(e);
    }
    return b.toString();
  }

  private static String shown(char c) {
    return c == '\t' ? "tabs" : "'" + c + "'";
  }

  /** A record passed the bound. */
  static final class TooLong extends IOException {
    final int limit;

    TooLong(int limit) {
      super("record longer than " + limit + " characters");
      this.limit = limit;
    }
  }

  /**
   * Counts the characters the parser takes since the last record ended, and fails past the
   * bound (plus the parser's read-ahead) before a field can grow without end.
   */
  private static final class Bounded extends java.io.FilterReader {
    private static final int READ_AHEAD = 1 << 16;
    private final int limit;
    private long since;

    Bounded(Reader in, int limit) {
      super(in);
      this.limit = limit;
    }

    void recordEnded() {
      since = 0;
    }

    private void count(long n) throws TooLong {
      since += n;
      if (since > (long) limit + READ_AHEAD) {
        throw new TooLong(limit);
      }
    }

    @Override
    public int read() throws IOException {
      int c = super.read();
      if (c >= 0) {
        count(1);
      }
      return c;
    }

    @Override
    public int read(char[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count(n);
      }
      return n;
    }
  }

  /** An I/O failure of the store itself (not of the file's content): worth another try. */
  static final class SourceFailure extends IOException {
    SourceFailure(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /** Wraps a store stream so its own failures can be told from bad content. */
  static InputStream tagged(InputStream in) {
    return new java.io.FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        try {
          return super.read();
        } catch (IOException e) {
          throw new SourceFailure(e);
        }
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        try {
          return super.read(b, off, len);
        } catch (IOException e) {
          throw new SourceFailure(e);
        }
      }
    };
  }
}
