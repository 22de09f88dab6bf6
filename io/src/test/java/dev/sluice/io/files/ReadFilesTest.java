package dev.sluice.io.files;

import dev.sluice.core.RecordSplitter;
import dev.sluice.core.model.RawRecord;
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

  private static byte[] gzip(byte[] b) throws Exception {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(gz)) {
      z.write(b);
    }
    return gz.toByteArray();
  }

  /** Records as "origin payload", and a file's marker as "REFUSED stage origin: reason". */
  private static PCollection<String> describedWithRefusals(PCollection<RawRecord> records) {
    return records.apply(MapElements.into(TypeDescriptors.strings())
        .via(r -> r.refusedStage() != null
            ? "REFUSED " + r.refusedStage() + " " + r.origin() + ": " + r.refusedReason()
            : r.origin() + " " + new String(r.payload(), StandardCharsets.UTF_8)));
  }

  /**
   * A truncated gzip and a gzip header followed by garbage each end as one refusal of stage
   * read naming the file and the problem, with the count of records read before the damage;
   * the good file beside them is read whole.
   */
  @Test
  public void damagedCompressedFilesAreRefusedOneByOne() throws Exception {
    Path dir = tmp.newFolder("bad").toPath();
    byte[] file = lines();
    Files.write(dir.resolve("good.jsonl"), file);
    byte[] gz = gzip(file);
    Files.write(dir.resolve("truncated.jsonl.gz"), java.util.Arrays.copyOf(gz, gz.length / 2));
    byte[] garbage = java.util.Arrays.copyOf(gz, 200);
    for (int i = 10; i < garbage.length; i++) {
      garbage[i] = (byte) (i * 7);
    }
    Files.write(dir.resolve("garbage.jsonl.gz"), garbage);
    List<String> good = wholeRead(dir.resolve("good.jsonl").toString(), file);
    String truncated = dir.resolve("truncated.jsonl.gz").toString();
    String bad = dir.resolve("garbage.jsonl.gz").toString();
    String goodName = dir.resolve("good.jsonl").toString();

    PCollection<String> out = describedWithRefusals(
        p.apply(ReadFiles.matching(dir.resolve("*").toString()).withParts(16, 4096)));

    PAssert.that(out).satisfies(all -> {
      List<String> fromGood = new ArrayList<>();
      long fromTruncated = 0;
      List<String> refusals = new ArrayList<>();
      for (String s : all) {
        if (s.startsWith("REFUSED")) {
          refusals.add(s);
        } else if (s.startsWith(truncated + ":")) {
          fromTruncated++;
        } else if (s.startsWith(goodName + ":")) {
          fromGood.add(s);
        } else {
          throw new AssertionError("unexpected record " + s);
        }
      }
      org.junit.Assert.assertEquals(new java.util.HashSet<>(good),
          new java.util.HashSet<>(fromGood));
      org.junit.Assert.assertEquals(good.size(), fromGood.size());
      org.junit.Assert.assertEquals(refusals.toString(), 2, refusals.size());
      java.util.Collections.sort(refusals);
      org.junit.Assert.assertEquals("REFUSED read " + bad + ": file " + bad
          + ": not valid gzip data", refusals.get(0).substring(0,
              refusals.get(0).indexOf(" (", ("REFUSED read " + bad).length())));
      org.junit.Assert.assertTrue(refusals.get(1), refusals.get(1).startsWith(
          "REFUSED read " + truncated + ": file " + truncated + ": truncated: the compressed data"
              + " ends early; " + fromTruncated + " records read before it, the rest not read"));
      org.junit.Assert.assertTrue(fromTruncated > 0);
      return null;
    });
    p.run();
  }

  /** A file gone between listing and reading is one refusal naming it; nothing else breaks. */
  @Test
  public void fileGoneSinceListingIsRefused() throws Exception {
    String gone = tmp.getRoot().toPath().resolve("gone.jsonl").toString();
    PCollection<RawRecord> records =
        p.apply(org.apache.beam.sdk.transforms.Create.of(FilePart.whole(gone))
                .withCoder(FilePart.FilePartCoder.INSTANCE))
            .apply(org.apache.beam.sdk.transforms.ParDo.of(
                new SplitPartFn(RecordSplitter.lines())))
            .setCoder(RawRecord.RawRecordCoder.of());
    PAssert.that(describedWithRefusals(records)).containsInAnyOrder("REFUSED read " + gone
        + ": file " + gone + ": gone: listed, then not found when read; 0 records read before"
        + " it, the rest not read");
    p.run();
  }

  /**
   * A record over the feed's limit is not copied: it is refused at stage parse with its real
   * size and where the whole of it is (line and byte range), and the lines around it load.
   */
  @Test
  public void oversizedRecordSaysWhereItIs() throws Exception {
    dev.sluice.core.spec.FeedSpec spec = dev.sluice.core.spec.FeedSpec.parse(
        "{\"name\": \"j\", \"format\": {\"type\": \"json\", \"max_record_bytes\": 100},"
            + " \"fields\": [{\"name\": \"a\"}]}", "j.json");
    Path dir = tmp.newFolder("big").toPath();
    String big = "{\"a\": \"" + "x".repeat(2000) + "\"}";
    Files.writeString(dir.resolve("a.jsonl"), "{\"a\": 1}\n" + big + "\n{\"a\": 2}\n");
    String file = dir.resolve("a.jsonl").toString();
    PCollection<RawRecord> records = p.apply(ReadFiles.matching(file)
        .withSplitter(RecordSplitter.forFeed(spec)));
    PAssert.that(describedWithRefusals(records)).containsInAnyOrder(
        file + ":1 {\"a\": 1}",
        "REFUSED parse " + file + ":2: record is 2,009 bytes, over the feed's limit of 100"
            + " (format.max_record_bytes); the whole record is line 2 of " + file
            + ", bytes 9-2018",
        file + ":3 {\"a\": 2}");
    p.run();
  }
}
