package dev.sluice.transforms;

import dev.sluice.transforms.spec.FeedSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Cuts a file's bytes into records without decoding them: lines for JSON lines and log
 * formats; for CSV, lines outside quotes, so a quoted field may hold newlines (RFC 4180). It
 * strips a UTF-8 byte-order mark and CR of CRLF, skips empty lines, and hands each record its
 * starting line number. A CSV header is not a record; it travels with every record of its file.
 * An unterminated quote makes the rest of the file one record, which the parser then rejects.
 *
 * <p>Works on bytes because {@code \n}, {@code \r} and the quote are single bytes in UTF-8 and
 * never part of a multi-byte character, so invalid UTF-8 reaches the parser intact.
 */
public final class RecordSplitter implements Serializable {
  /** Receives records in file order. */
  public interface Receiver {
    void record(byte[] payload, long line, String header) throws IOException;
  }

  /** Records beyond this are cut here; the parser rejects them as over the limit anyway. */
  public static final int HARD_CAP = 64 << 20;

  private final boolean csv;
  private final byte quote;
  private final boolean header;

  private RecordSplitter(boolean csv, char quote, boolean header) {
    this.csv = csv;
    this.quote = (byte) quote;
    this.header = header;
  }

  public static RecordSplitter forFeed(FeedSpec spec) {
    boolean csv = spec.format == FeedSpec.Format.CSV;
    if (csv && spec.csvQuote > 0x7f) {
      throw new IllegalArgumentException("a CSV quote must be an ASCII character");
    }
    return new RecordSplitter(csv, spec.csvQuote, csv && spec.csvHeader);
  }

  public static RecordSplitter lines() {
    return new RecordSplitter(false, '"', false);
  }

  /**
   * True when every newline ends a record (JSON lines, log lines), so a file can be cut into
   * byte ranges at newlines and each range split on its own; false for CSV, whose quoted fields
   * may hold newlines.
   */
  public boolean cutsAtAnyNewline() {
    return !csv;
  }

  /** Splits the stream and returns how many records it handed on. */
  public long split(InputStream in, Receiver receiver) throws IOException {
    return split(in, 1, true, receiver);
  }

  /**
   * Splits a part of a file that starts right after a newline (see {@link #cutsAtAnyNewline}):
   * its first line is line {@code firstLine} of the file, and only the part that starts the file
   * ({@code fileStart}) may begin with a byte-order mark.
   */
  public long split(InputStream in, long firstLine, boolean fileStart, Receiver receiver)
      throws IOException {
    byte[] buf = new byte[1 << 16];
    byte[] rec = new byte[1024];
    int recLen = 0;
    boolean inQuote = false;
    boolean first = fileStart;
    boolean truncated = false;
    long line = firstLine;
    long recStart = firstLine;
    long count = 0;
    String headerLine = null;
    boolean wantHeader = header;
    int n;
    while ((n = in.read(buf)) > 0) {
      int from = 0;
      for (int i = 0; i < n; i++) {
        byte b = buf[i];
        if (csv && b == quote) {
          inQuote = !inQuote;
        } else if (b == '\n') {
          line++;
          if (!inQuote) {
            // Copy the chunk up to here, then emit.
            int len = i - from;
            if (!truncated) {
              if (recLen + len > HARD_CAP) {
                len = HARD_CAP - recLen;
                truncated = true;
              }
              rec = ensure(rec, recLen + len);
              System.arraycopy(buf, from, rec, recLen, len);
              recLen += len;
            }
            from = i + 1;
            int end = recLen;
            if (end > 0 && rec[end - 1] == '\r') {
              end--;
            }
            int start = 0;
            if (first) {
              start = bomLength(rec, end);
              first = false;
            }
            if (end > start) {
              byte[] payload = Arrays.copyOfRange(rec, start, end);
              if (wantHeader) {
                headerLine = new String(payload, StandardCharsets.UTF_8);
                wantHeader = false;
              } else {
                receiver.record(payload, recStart, headerLine);
                count++;
              }
            }
            recLen = 0;
            truncated = false;
            recStart = line;
          }
        }
      }
      int len = n - from;
      if (!truncated && len > 0) {
        if (recLen + len > HARD_CAP) {
          len = HARD_CAP - recLen;
          truncated = true;
        }
        rec = ensure(rec, recLen + len);
        System.arraycopy(buf, from, rec, recLen, len);
        recLen += len;
      }
    }
    int end = recLen;
    if (end > 0 && rec[end - 1] == '\r') {
      end--;
    }
    int start = first ? bomLength(rec, end) : 0;
    if (end > start) {
      byte[] payload = Arrays.copyOfRange(rec, start, end);
      if (wantHeader) {
        return count;
      }
      receiver.record(payload, recStart, headerLine);
      count++;
    }
    return count;
  }

  private static int bomLength(byte[] b, int len) {
    return len >= 3 && (b[0] & 0xff) == 0xEF && (b[1] & 0xff) == 0xBB && (b[2] & 0xff) == 0xBF
        ? 3 : 0;
  }

  private static byte[] ensure(byte[] a, int size) {
    if (size <= a.length) {
      return a;
    }
    return Arrays.copyOf(a, Math.max(size, a.length * 2));
  }
}
