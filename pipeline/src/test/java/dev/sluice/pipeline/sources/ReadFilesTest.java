package dev.sluice.pipeline.sources;

import dev.sluice.transforms.RecordSplitter;
import dev.sluice.transforms.model.RawRecord;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * ReadFiles cuts big line files into parts read in parallel; the records and their origins are
 * exactly those of a whole-file read.
 */
@RunWith(JUnit4.class)
public class ReadFilesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  /** A file of lines with a byte-order mark, CRLF, blank and broken lines, about 60 KB. */
  private static byte[] lines() {
    StringBuilder b = new StringBuilder("\uFEFF");
    for (int i = 1; i <= 1500; i++) {
      if (i % 97 == 0) {
        b.append("\n");
      } else if (i % 31 == 0) {
        b.append("{\"broken\": ").append(i).append("\r\n");
      } else {
        b.append("{\"n\": ").append(i).append(", \"text\": \"line ").append(i)
            .append(" \u00e9\u6f22\"}\n");
      }
    }
    b.append("{\"last\": \"no newline\"}");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** What a whole-file read gives: "origin payload" per record. */
  private static List<String> wholeRead(String name, byte[] file) throws Exception {
    List<String> out = new ArrayList<>();
    RecordSplitter.lines().split(new ByteArrayInputStream(file),
        (payload, line, header) ->
            out.add(name + ":" + line + " " + new String(payload, StandardCharsets.UTF_8)));
    return out;
  }

  private static PCollection<String> described(PCollection<RawRecord> records) {
    return records.apply(MapElements.into(TypeDescriptors.strings())
        .via(r -> r.origin() + " " + new String(r.payload(), StandardCharsets.UTF_8)));
  }

  /** Files cut into many parts give the same records, with the same file:line origins. */
  @Test
  public void partsGiveTheRecordsOfWholeFiles() throws Exception {
    Path dir = tmp.newFolder("in").toPath();
    byte[] file = lines();
    Files.write(dir.resolve("a.jsonl"), file);
    Files.write(dir.resolve("b.jsonl"), file);
    List<String> expected = new ArrayList<>(wholeRead(dir.resolve("a.jsonl").toString(), file));
    expected.addAll(wholeRead(dir.resolve("b.jsonl").toString(), file));

    PCollection<RawRecord> records =
        p.apply(ReadFiles.matching(dir.resolve("*.jsonl").toString()).withParts(16, 4096));

    PAssert.that(described(records)).containsInAnyOrder(expected);
    p.run();
  }

  /** A gzipped file is read whole, through its compression, as before. */
  @Test
  public void compressedFileIsReadWhole() throws Exception {
    Path dir = tmp.newFolder("gz").toPath();
    byte[] file = lines();
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(file);
    }
    Path path = dir.resolve("a.jsonl.gz");
    Files.write(path, gz.toByteArray());

    PCollection<RawRecord> records =
        p.apply(ReadFiles.matching(dir.resolve("*").toString()).withParts(16, 4096));

    PAssert.that(described(records)).containsInAnyOrder(wholeRead(path.toString(), file));
    p.run();
  }
}
