package dev.sluice.io.files;

import dev.sluice.core.RecordSplitter;
import dev.sluice.core.model.RawRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Splits one part into records, with origins {@code file:line} as a whole-file read. A file
 * that cannot be read to its end (corrupt or truncated compression, gone since it was listed,
 * a header that matches nothing) does not stop the run: the records before the damage go on,
 * and one marker record carries the file's name and the problem to the parse step, which makes
 * it a dead letter of stage {@code read}.
 */
final class SplitPartFn extends DoFn<FilePart, RawRecord> {
  private final RecordSplitter splitter;

  SplitPartFn(RecordSplitter splitter) {
    this.splitter = splitter;
  }

  @ProcessElement
  public void process(@Element FilePart part, OutputReceiver<RawRecord> out) {
    long arrival = System.currentTimeMillis();
    long[] records = {0};
    RecordSplitter.Receiver receiver =
        new RecordSplitter.Receiver() {
          @Override
          public void record(byte[] payload, long line, String header) {
            String origin = part.file + ":" + line;
            records[0]++;
            out.output(new RawRecord(payload, origin, origin, arrival, header));
          }

          @Override
          public void element(byte[] payload, long index, long line) {
            // Several records may share a line (an array on one line): the index tells them
            // apart, so origins and source ids stay unique.
            String origin = part.file + ":" + line + "#" + index;
            records[0]++;
            out.output(new RawRecord(payload, origin, origin, arrival, null));
          }

          @Override
          public void oversized(long line, long startByte, long endByte, String header) {
            String origin = part.file + ":" + line;
            records[0]++;
            out.output(RawRecord.refused("parse", oversizedReason(part, line, startByte,
                endByte, splitter.limit()), origin, arrival));
          }
        };
    String problem = null;
    try {
      read(part, receiver);
    } catch (IOException e) {
      problem = problem(e, part.isWhole() ? Compression.detect(part.file)
          : Compression.UNCOMPRESSED);
    }
    if (problem != null) {
      out.output(RawRecord.unreadableFile(part.file, "file " + part.file
          + (part.isWhole() ? "" : " (bytes " + part.start + "-" + part.end + ")") + ": "
          + problem + "; " + records[0] + " record" + (records[0] == 1 ? "" : "s")
          + " read before it, the rest not read", arrival));
    }
  }

  private void read(FilePart part, RecordSplitter.Receiver receiver) throws IOException {
    ResourceId resource = FileSystems.matchNewResource(part.file, false);
    if (part.isWhole()) {
      Compression c = Compression.detect(resource.getFilename());
      try (InputStream in = new PartStreams.Guarded(Channels.newInputStream(
          c.readDecompressed(FileSystems.open(resource))))) {
        splitter.split(in, receiver);
      }
      return;
    }
    ReadableByteChannel channel = FileSystems.open(resource);
    try (InputStream in = new PartStreams.Bounded(Channels.newInputStream(
        seek(channel, part.start)), part.end - part.start)) {
      splitter.split(in, part.firstLine, part.start == 0, part.start, receiver);
    }
  }

  private static ReadableByteChannel seek(ReadableByteChannel channel, long position)
      throws IOException {
    if (position > 0) {
      ((SeekableByteChannel) channel).position(position);
    }
    return channel;
  }

  /** Where an oversized record is, so it can be fetched whole (it is not copied anywhere). */
  static String oversizedReason(FilePart part, long line, long startByte, long endByte,
      long limit) {
    boolean compressed = part.isWhole()
        && Compression.detect(part.file) != Compression.UNCOMPRESSED;
    return String.format(java.util.Locale.ROOT, "record is %,d bytes, over the feed's limit of"
        + " %,d (format.max_record_bytes); the whole record is line %d of %s, bytes %d-%d%s",
        endByte - startByte, limit, line, part.file, startByte, endByte,
        compressed ? " of its decompressed content" : "");
  }

  /** The problem of an unreadable file in words: names no value, only what went wrong. */
  static String problem(IOException e, Compression compression) {
    if (e instanceof RecordSplitter.FileRefused) {
      return e.getMessage();
    }
    if (e instanceof java.io.FileNotFoundException
        || e instanceof java.nio.file.NoSuchFileException) {
      return "gone: listed, then not found when read";
    }
    if (e instanceof java.io.EOFException) {
      return "truncated: the compressed data ends early";
    }
    Throwable cause = e instanceof PartStreams.Unreadable && e.getCause() != null ? e.getCause() : e;
    String msg = cause.getMessage() == null ? "" : cause.getMessage();
    if (msg.length() > 160) {
      msg = msg.substring(0, 160) + "...";
    }
    String detail = cause.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg);
    if (compression != Compression.UNCOMPRESSED) {
      return "not valid " + compression.name().toLowerCase(java.util.Locale.ROOT)
          + " data (" + detail + ")";
    }
    return "cannot be read (" + detail + ")";
  }
}
