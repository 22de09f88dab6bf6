package dev.sluice.io.files;

import dev.sluice.core.RecordSplitter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.transforms.DoFn;

/**
 * Matches the glob (no match fails the read) and cuts each uncompressed file into parts of
 * about {@code total / targetParts} bytes (at least {@code minPartBytes}) at the newline after
 * each cut, counting newlines on the way for each part's first line.
 */
final class PlanPartsFn extends DoFn<String, FilePart> {
  /** False for formats whose records may span newlines (CSV): every file is read whole. */
  private final boolean cut;
  /** Tells a JSON document (read whole) from JSON lines by a file's first bytes. */
  private final RecordSplitter splitter;
  private final int targetParts;
  private final long minPartBytes;

  PlanPartsFn(RecordSplitter splitter, int targetParts, long minPartBytes) {
    this.cut = splitter.cutsAtAnyNewline();
    this.splitter = splitter;
    this.targetParts = targetParts;
    this.minPartBytes = minPartBytes;
  }

  @ProcessElement
  public void process(@Element String glob, OutputReceiver<FilePart> out) throws IOException {
    MatchResult match = FileSystems.match(glob, EmptyMatchTreatment.DISALLOW);
    List<MatchResult.Metadata> files = new ArrayList<>();
    for (MatchResult.Metadata m : match.metadata()) {
      if (!m.resourceId().isDirectory()) {
        files.add(m);
      }
    }
    files.sort(Comparator.comparing(m -> m.resourceId().toString()));
    long total = 0;
    for (MatchResult.Metadata m : files) {
      total += m.sizeBytes();
    }
    long part = Math.max(minPartBytes, total / targetParts);
    for (MatchResult.Metadata m : files) {
      String name = m.resourceId().toString();
      boolean plain =
          Compression.detect(m.resourceId().getFilename()) == Compression.UNCOMPRESSED;
      if (!cut || !plain || m.sizeBytes() < 2 * part) {
        out.output(FilePart.whole(name));
        continue;
      }
      List<FilePart> parts = new ArrayList<>();
      try {
        cut(m, name, part, parts, splitter);
      } catch (IOException e) {
        // Gone or unreadable since it was listed: the whole-file read reports it.
        parts = List.of(FilePart.whole(name));
      }
      parts.forEach(out::output);
    }
  }

  private static void cut(MatchResult.Metadata m, String name, long part,
      List<FilePart> out, RecordSplitter splitter) throws IOException {
    long start = 0;
    long firstLine = 1;
    long lines = 0;
    long pos = 0;
    long nextCut = part;
    byte[] buf = new byte[1 << 16];
    try (InputStream in = Channels.newInputStream(FileSystems.open(m.resourceId()))) {
      int n = in.readNBytes(buf, 0, buf.length);
      if (splitter.documents(buf, n)) {
        // A JSON document's records span lines: it is read whole.
        out.add(FilePart.whole(name));
        return;
      }
      for (boolean head = true; head ? n > 0 : (n = in.read(buf)) > 0; head = false) {
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            lines++;
            long after = pos + i + 1;
            if (after >= nextCut && m.sizeBytes() - after >= part / 2) {
              out.add(new FilePart(name, start, after, firstLine));
              start = after;
              firstLine = lines + 1;
              nextCut = after + part;
            }
          }
        }
        pos += n;
      }
    }
    out.add(new FilePart(name, start, pos, firstLine));
  }
}
