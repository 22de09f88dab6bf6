package dev.sluice.core;

import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;

/**
 * Cuts a file's bytes into records without decoding them: lines for JSON lines and log
 * formats; for CSV, lines outside quoted fields, so a quoted field may hold newlines (RFC 4180).
 * It strips a UTF-8 byte-order mark and CR of CRLF, skips empty lines (but in a one-column CSV,
 * where an empty line is an empty value), and hands each record its starting line number. A CSV
 * header is not a record; it travels with every record of its file.
 *
 * <p>CSV quotes are read as PostgreSQL's and Python's CSV readers read them: a quote opens a
 * quoted field only at the start of a field; anywhere else ({@code 1,5" screen}) it is literal
 * text. A quoted field still open at the end of the file does not swallow the file: the line it
 * opened on becomes one record (the parser rejects it: unterminated quote) and reading resumes
 * at the next line.
 *
 * <p>A record longer than the feed's {@code format.max_record_bytes} is not held: the receiver
 * learns where it is (line and byte range), so a dead letter can point at the whole of it.
 *
 * <p>A log format with {@code format.record_start} gathers continuation lines: a line that does
 * not match the start pattern (a traceback under its log line) joins the record above, with its
 * newline; blank lines are skipped.
 *
 * <p>A JSON feed's file may also be a JSON document: one array of records (each element a
 * record), pretty-printed objects over many lines, or objects back to back; the first bytes of
 * the file tell which (see {@link #documents}), and its records are then cut by structure.
 *
 * <p>Works on bytes because {@code \n}, {@code \r}, the quote and the delimiter are single bytes
 * in UTF-8 and never part of a multi-byte character, so invalid UTF-8 reaches the parser intact.
 */
public final class RecordSplitter implements Serializable {
  /** Receives records in file order. */
  public interface Receiver {
    void record(byte[] payload, long line, String header) throws IOException;

    /**
     * A record of a JSON document file (an array of records, pretty-printed or back-to-back
     * objects): the {@code index}-th (from 1) of its file, starting at {@code line}.
     */
    default void element(byte[] payload, long index, long line) throws IOException {
      record(payload, line, null);
    }

    /**
     * A record over the limit, not held: it starts at {@code line} and spans bytes {@code
     * startByte} (inclusive) to {@code endByte} (exclusive) of the (decompressed) file.
     */
    default void oversized(long line, long startByte, long endByte, String header)
        throws IOException {
      throw new IOException("the record at line " + line + " is " + (endByte - startByte)
          + " bytes, over the limit");
    }
  }

  /** A file that cannot be read as the feed's format at all (its header matches nothing). */
  public static final class FileRefused extends IOException {
    public FileRefused(String message) {
      super(message);
    }
  }

  /** The most any record may hold in memory, whatever a spec says. */
  public static final int HARD_CAP = 64 << 20;

  private final boolean csv;
  /** JSON feeds: files may be JSON lines or documents (arrays, pretty-printed objects). */
  private final boolean json;
  private final byte quote;
  /** The spec's delimiter; with {@link #sniff}, each file's is found from its header. */
  private final byte delimiter;
  private boolean sniff;
  private final boolean header;
  private final int limit;
  /** Without a header: how many columns the spec lists (1 makes blank lines records). */
  private final int columns;
  /** The spec's field sources, normalised, that a header must name at least one of. */
  private final Set<String> sources;
  /** Log formats: what a record's first line matches; other lines continue the record above. */
  private String recordStart;
  private transient java.util.regex.Pattern startPattern;

  private RecordSplitter(boolean csv, boolean json, char quote, char delimiter, boolean header,
      long limit, int columns, Set<String> sources) {
    this.csv = csv;
    this.json = json;
    this.quote = (byte) quote;
    this.delimiter = (byte) delimiter;
    this.header = header;
    this.limit = (int) Math.min(HARD_CAP, limit);
    this.columns = columns;
    this.sources = sources;
  }

  public static RecordSplitter forFeed(FeedSpec spec) {
    boolean csv = spec.format == FeedSpec.Format.CSV;
    if (csv && (spec.csvQuote > 0x7f || spec.csvDelimiter > 0x7f)) {
      throw new IllegalArgumentException("a CSV quote and delimiter must be ASCII characters");
    }
    Set<String> sources = null;
    if (csv && spec.csvHeader) {
      sources = new HashSet<>();
      for (FieldSpec f : spec.fields) {
        if (!f.isDerived()) {
          sources.add(RecordParser.normalise(f.source));
        }
      }
    }
    RecordSplitter splitter = new RecordSplitter(csv, spec.format == FeedSpec.Format.JSON,
        spec.csvQuote, spec.csvDelimiter, csv && spec.csvHeader,
        spec.maxRecordBytes, csv && !spec.csvHeader ? spec.csvColumns.size() : 0, sources);
    splitter.recordStart = spec.format == FeedSpec.Format.REGEX ? spec.recordStart : null;
    splitter.sniff = csv && spec.csvSniffDelimiter;
    return splitter;
  }

  /** The most bytes a record may have; longer ones are reported, not held. */
  public long limit() {
    return limit;
  }

  /** JSON records whatever the file's shape: JSON lines, an array, pretty or back-to-back objects. */
  public static RecordSplitter json() {
    return new RecordSplitter(false, true, '"', ',', false, HARD_CAP, 0, null);
  }

  public static RecordSplitter lines() {
    return new RecordSplitter(false, false, '"', ',', false, HARD_CAP, 0, null);
  }

  /**
   * True when every newline ends a record (JSON lines, log lines), so a file can be cut into
   * byte ranges at newlines and each range split on its own; false for CSV, whose quoted fields
   * may hold newlines.
   */
  public boolean cutsAtAnyNewline() {
    return !csv && recordStart == null;
  }

  private boolean startsRecord(byte[] line) {
    if (startPattern == null) {
      startPattern = java.util.regex.Pattern.compile(recordStart);
    }
    return startPattern.matcher(new String(line, StandardCharsets.UTF_8)).lookingAt();
  }

  /** Splits the stream and returns how many records it handed on. */
  public long split(InputStream in, Receiver receiver) throws IOException {
    return split(in, 1, true, 0, receiver);
  }

  /** {@link #split(InputStream, long, boolean, long, Receiver)} of a part at byte 0. */
  public long split(InputStream in, long firstLine, boolean fileStart, Receiver receiver)
      throws IOException {
    return split(in, firstLine, fileStart, 0, receiver);
  }

  /**
   * Splits a part of a file that starts right after a newline (see {@link #cutsAtAnyNewline}):
   * its first line is line {@code firstLine} of the file and its first byte byte {@code
   * firstByte}; only the part that starts the file ({@code fileStart}) may begin with a
   * byte-order mark.
   */
  public long split(InputStream in, long firstLine, boolean fileStart, long firstByte,
      Receiver receiver) throws IOException {
    byte[] buf = new byte[1 << 16];
    int n;
    if (json && fileStart && firstByte == 0) {
      // The head of the file tells JSON lines from JSON documents.
      int len = 0;
      while (len < buf.length && (n = in.read(buf, len, buf.length - len)) > 0) {
        len += n;
      }
      if (documents(buf, len)) {
        DocRun doc = new DocRun(receiver);
        doc.feed(buf, len);
        while ((n = in.read(buf)) > 0) {
          doc.feed(buf, n);
        }
        doc.finish();
        return doc.count;
      }
      Run run = new Run(firstLine, fileStart, firstByte, receiver);
      run.feed(buf, len);
      while ((n = in.read(buf)) > 0) {
        run.feed(buf, n);
      }
      run.finish();
      return run.count;
    }
    Run run = new Run(firstLine, fileStart, firstByte, receiver);
    while ((n = in.read(buf)) > 0) {
      run.feed(buf, n);
    }
    run.finish();
    return run.count;
  }

  /**
   * True when a JSON feed's file, judged by its first bytes, is not JSON lines but a document:
   * it opens with {@code [} (an array of records), or its first value does not end on its first
   * line (pretty-printed), or a second value follows on that line (objects back to back).
   */
  public boolean documents(byte[] head, int len) {
    if (!json) {
      return false;
    }
    int i = bomLength(head, len);
    while (i < len && isSpace(head[i])) {
      i++;
    }
    if (i >= len) {
      return false;
    }
    if (head[i] == '[') {
      return true;
    }
    if (head[i] != '{') {
      return false;
    }
    int depth = 0;
    boolean inString = false;
    boolean escape = false;
    for (; i < len; i++) {
      byte b = head[i];
      if (inString) {
        if (escape) {
          escape = false;
        } else if (b == '\\') {
          escape = true;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '\n') {
        return depth > 0;
      } else if (b == '"') {
        inString = true;
      } else if (b == '{' || b == '[') {
        depth++;
      } else if (b == '}' || b == ']') {
        depth--;
        if (depth == 0) {
          for (int k = i + 1; k < len && head[k] != '\n'; k++) {
            if (!isSpace(head[k])) {
              return head[k] == '{';
            }
          }
          return false;
        }
      }
    }
    return false;
  }

  private static boolean isSpace(byte b) {
    return b == ' ' || b == '\t' || b == '\r' || b == '\n';
  }

  /**
   * Splits a JSON document file into its top-level values, and a top-level array into its
   * elements, by structure (strings and escapes respected), whatever the line breaks.
   */
  private final class DocRun {
    final Receiver receiver;
    byte[] rec = new byte[1024];
    int recLen;
    boolean truncated;
    boolean inRecord;
    boolean inArray;
    int depth;
    boolean inString;
    boolean escape;
    boolean bomChecked;
    long line = 1;
    long recLine;
    long recStartByte;
    long pos;
    long index;
    long count;

    DocRun(Receiver receiver) {
      this.receiver = receiver;
    }

    void feed(byte[] buf, int n) throws IOException {
      int i = 0;
      if (!bomChecked) {
        bomChecked = true;
        i = bomLength(buf, n);
      }
      for (; i < n; i++) {
        byte b = buf[i];
        long at = pos + i;
        if (!inRecord) {
          if (b == '\n') {
            line++;
            continue;
          }
          if (isSpace(b) || (inArray && b == ',')) {
            continue;
          }
          if (b == '[' && !inArray) {
            inArray = true;
            continue;
          }
          if (b == ']' && inArray) {
            inArray = false;
            continue;
          }
          inRecord = true;
          recLine = line;
          recStartByte = at;
          depth = 0;
          inString = false;
          escape = false;
        }
        if (inString) {
          if (escape) {
            escape = false;
          } else if (b == '\\') {
            escape = true;
          } else if (b == '"') {
            inString = false;
          }
        } else if (b == '"') {
          inString = true;
        } else if (b == '{' || b == '[') {
          depth++;
        } else if (b == '}' || b == ']') {
          if (depth == 0) {
            // A scalar element ends at the array's close, which is not part of it.
            end(at);
            if (b == ']' && inArray) {
              inArray = false;
            }
            continue;
          }
          depth--;
          if (depth == 0) {
            append(b);
            end(at + 1);
            continue;
          }
        } else if (depth == 0 && (isSpace(b) || b == ',')) {
          end(at);
          if (b == '\n') {
            line++;
          }
          continue;
        }
        if (b == '\n') {
          line++;
        }
        append(b);
      }
      pos += n;
    }

    void append(byte b) {
      if (truncated) {
        return;
      }
      if (recLen + 1 > limit) {
        truncated = true;
        recLen = 0;
        return;
      }
      if (recLen == rec.length) {
        rec = Arrays.copyOf(rec, Math.min(limit, rec.length * 2));
      }
      rec[recLen++] = b;
    }

    void end(long endByte) throws IOException {
      inRecord = false;
      index++;
      count++;
      if (truncated) {
        truncated = false;
        receiver.oversized(recLine, recStartByte, endByte, null);
        return;
      }
      byte[] payload = Arrays.copyOf(rec, recLen);
      recLen = 0;
      receiver.element(payload, index, recLine);
    }

    void finish() throws IOException {
      if (inRecord) {
        end(pos);
      }
    }
  }

  // CSV states.
  private static final int FIELD_START = 0;
  private static final int UNQUOTED = 1;
  private static final int QUOTED = 2;
  private static final int QUOTE_IN_QUOTED = 3;

  private int next(int state, byte b, byte delimiter) {
    switch (state) {
      case FIELD_START:
        return b == quote ? QUOTED : b == delimiter ? FIELD_START : UNQUOTED;
      case UNQUOTED:
        return b == delimiter ? FIELD_START : UNQUOTED;
      case QUOTED:
        return b == quote ? QUOTE_IN_QUOTED : QUOTED;
      case QUOTE_IN_QUOTED:
      default:
        // "" is an escaped quote; text after a closing quote is the parser's to refuse.
        return b == quote ? QUOTED : b == delimiter ? FIELD_START : UNQUOTED;
    }
  }

  /** The state of one split. */
  private final class Run {
    final Receiver receiver;
    byte[] rec = new byte[1024];
    int recLen;
    boolean truncated;
    boolean first;
    long line;
    long recStartLine;
    long recStartByte;
    /** Offset in the file of the first byte of the next chunk fed. */
    long pos;
    int state = FIELD_START;
    long count;
    String headerLine;
    boolean wantHeader = header;
    boolean blankIsRecord = csv && !header && columns == 1;
    /** This file's delimiter: the spec's, or sniffed from the header. */
    byte delim = delimiter;

    Run(long firstLine, boolean fileStart, long firstByte, Receiver receiver) {
      this.receiver = receiver;
      this.first = fileStart;
      this.line = firstLine;
      this.recStartLine = firstLine;
      this.recStartByte = firstByte;
      this.pos = firstByte;
    }

    void feed(byte[] buf, int n) throws IOException {
      int from = 0;
      for (int i = 0; i < n; i++) {
        byte b = buf[i];
        if (b == '\n') {
          line++;
          if (csv && state == QUOTED) {
            continue;
          }
          append(buf, from, i);
          from = i + 1;
          end(pos + i);
          recStartLine = line;
          recStartByte = pos + i + 1;
          state = FIELD_START;
        } else if (csv) {
          state = next(state, b, delim);
        }
      }
      append(buf, from, n);
      pos += n;
    }

    void append(byte[] buf, int from, int to) {
      int len = to - from;
      if (truncated || len <= 0) {
        return;
      }
      if (recLen + (long) len > limit) {
        truncated = true;
        recLen = 0;
        return;
      }
      if (recLen + len > rec.length) {
        rec = Arrays.copyOf(rec, Math.max(recLen + len, Math.min(limit, rec.length * 2)));
      }
      System.arraycopy(buf, from, rec, recLen, len);
      recLen += len;
    }

    /** The record that ends at {@code endByte} (its newline, or the end of the file). */
    void end(long endByte) throws IOException {
      if (truncated) {
        truncated = false;
        first = false;
        if (wantHeader) {
          throw new FileRefused("its header line is over the feed's limit of " + limit
              + " bytes (format.max_record_bytes)");
        }
        flushPending();
        receiver.oversized(recStartLine, recStartByte, endByte, headerLine);
        count++;
        return;
      }
      int end = recLen;
      if (end > 0 && rec[end - 1] == '\r') {
        end--;
      }
      int start = 0;
      if (first) {
        start = bomLength(rec, end);
        first = false;
      }
      recLen = 0;
      if (end > start || (blankIsRecord && !wantHeader)) {
        byte[] payload = Arrays.copyOfRange(rec, start, end);
        if (wantHeader) {
          header(payload);
        } else if (recordStart != null) {
          continued(payload, endByte);
        } else {
          if (sniff && !header && headerLine == null) {
            // No header: the first record tells the file's delimiter, and travels with every
            // record of the file as its header does, so the parser reads them alike.
            headerLine = new String(payload, StandardCharsets.UTF_8);
            delim = (byte) sniffDelimiter(headerLine, (char) quote, columns);
          }
          receiver.record(payload, recStartLine, headerLine);
          count++;
        }
      }
    }

    // Continuation lines: the record being gathered, held until the next record starts.
    byte[] pending;
    long pendingLine;
    long pendingStartByte;
    long pendingEndByte;
    boolean pendingOversized;

    void continued(byte[] payload, long endByte) throws IOException {
      if (pending != null && !startsRecord(payload)) {
        if (!pendingOversized && pending.length + 1L + payload.length <= limit) {
          byte[] joined = Arrays.copyOf(pending, pending.length + 1 + payload.length);
          joined[pending.length] = '\n';
          System.arraycopy(payload, 0, joined, pending.length + 1, payload.length);
          pending = joined;
        } else {
          pendingOversized = true;
          pending = new byte[0];
        }
        pendingEndByte = endByte;
        return;
      }
      flushPending();
      pending = payload;
      pendingLine = recStartLine;
      pendingStartByte = recStartByte;
      pendingEndByte = endByte;
      pendingOversized = false;
    }

    void flushPending() throws IOException {
      if (pending == null) {
        return;
      }
      if (pendingOversized) {
        receiver.oversized(pendingLine, pendingStartByte, pendingEndByte, null);
      } else {
        receiver.record(pending, pendingLine, null);
      }
      count++;
      pending = null;
    }

    void header(byte[] payload) throws IOException {
      headerLine = new String(payload, StandardCharsets.UTF_8);
      wantHeader = false;
      if (sniff) {
        delim = (byte) sniffDelimiter(headerLine, (char) quote);
      }
      String[] names = headerNames(headerLine, delim);
      blankIsRecord = names.length == 1;
      if (sources == null) {
        return;
      }
      for (String n : names) {
        if (sources.contains(RecordParser.normalise(n))) {
          return;
        }
      }
      throw new FileRefused("its header matches none of the spec's fields (read with delimiter "
          + printable((char) delim) + (sniff ? ", sniffed" : "") + " it has " + names.length
          + " column"
          + (names.length == 1 ? "" : "s") + ")");
    }

    void finish() throws IOException {
      // A quote still open at the end: the line it opened on is one (bad) record, and the
      // lines after it are read again as records of their own.
      while (csv && state == QUOTED && !truncated && recLen > 0) {
        int nl = indexOf(rec, recLen, (byte) '\n');
        if (nl < 0) {
          break;
        }
        byte[] rest = Arrays.copyOfRange(rec, nl + 1, recLen);
        long restLine = recStartLine + 1;
        long restByte = recStartByte + nl + 1;
        recLen = nl;
        end(recStartByte + nl);
        state = FIELD_START;
        line = restLine;
        recStartLine = restLine;
        recStartByte = restByte;
        pos = restByte;
        feed(rest, rest.length);
      }
      if (recLen > 0 || truncated) {
        end(pos);
      }
      flushPending();
    }
  }

  /** The header's column names, split as the parser splits records. */
  /**
   * The delimiter a header is written with: of {@code , ; tab |}, the one found most often
   * outside quotes ({@code ,} when none is, or on a tie with it).
   */
  public static char sniffDelimiter(String header, char quote) {
    return sniffDelimiter(header, quote, 0);
  }

  /**
   * The delimiter of a file without a header, from its first record: of {@code , ; tab |}, the
   * one that cuts it into the spec's {@code columns} (outside quotes), the first such on a tie;
   * when none does, the one found most often, as for a header.
   */
  public static char sniffDelimiter(String line, char quote, int columns) {
    char[] candidates = {',', ';', '\t', '|'};
    int[] counts = counts(line, quote, candidates);
    if (columns > 1) {
      for (int k = 0; k < candidates.length; k++) {
        if (counts[k] + 1 == columns) {
          return candidates[k];
        }
      }
    }
    int best = 0;
    for (int k = 1; k < candidates.length; k++) {
      if (counts[k] > counts[best]) {
        best = k;
      }
    }
    return candidates[best];
  }

  private static int[] counts(String header, char quote, char[] candidates) {
    int[] counts = new int[candidates.length];
    boolean quoted = false;
    for (int i = 0; i < header.length(); i++) {
      char c = header.charAt(i);
      if (c == quote) {
        quoted = !quoted;
      } else if (!quoted) {
        for (int k = 0; k < candidates.length; k++) {
          if (c == candidates[k]) {
            counts[k]++;
          }
        }
      }
    }
    return counts;
  }

  private String[] headerNames(String line, byte delimiter) throws FileRefused {
    CSVFormat format = CSVFormat.RFC4180.builder().setDelimiter((char) delimiter)
        .setQuote((char) quote).get();
    try (CSVParser p = CSVParser.parse(new StringReader(line), format)) {
      Iterator<CSVRecord> it = p.iterator();
      if (!it.hasNext()) {
        return new String[] {""};
      }
      return it.next().values();
    } catch (IOException | UncheckedIOException | IllegalStateException e) {
      throw new FileRefused("its header line is not valid CSV (read with delimiter "
          + printable((char) delimiter) + ")");
    }
  }

  /** A delimiter as a reason shows it: {@code ','}, {@code tab}. */
  public static String printable(char c) {
    return c == '\t' ? "tab" : "'" + c + "'";
  }

  private static int indexOf(byte[] a, int len, byte b) {
    for (int i = 0; i < len; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static int bomLength(byte[] b, int len) {
    return len >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF
        ? 3 : 0;
  }
}
