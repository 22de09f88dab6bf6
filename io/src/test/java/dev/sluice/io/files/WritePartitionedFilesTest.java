package dev.sluice.io.files;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;

import dev.sluice.core.RowEncoder;
import dev.sluice.core.spec.FeedSpec;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A batch's partitioned files: written without a shuffle of the rows, named as FileIO named
 * them, one file per shard (empty shards included), readable by any gzip or zstd reader.
 */
@RunWith(JUnit4.class)
public class WritePartitionedFilesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static FeedSpec spec() {
    return FeedSpec.parse("{\"name\": \"events\", \"format\": {\"type\": \"json\"},"
        + " \"fields\": [{\"name\": \"event_uuid\", \"type\": \"string\", \"required\": true},"
        + " {\"name\": \"event_name\", \"type\": \"string\"},"
        + " {\"name\": \"event_type\", \"type\": \"string\"},"
        + " {\"name\": \"event_subtype\", \"type\": \"string\"},"
        + " {\"name\": \"created_at\", \"type\": \"timestamp\"},"
        + " {\"name\": \"payload\", \"type\": \"json\"}],"
        + " \"dedup\": {\"key\": [\"event_uuid\"]}, \"partition\": \"event_type={event_type}\","
        + " \"table\": {\"name\": \"events\"}}", "test spec");
  }

  private static List<KV<String, Row>> rows(FeedSpec spec, int n) {
    List<KV<String, Row>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String type = i % 3 == 0 ? "lesson" : "payment";
      Row row = Row.withSchema(spec.outputSchema())
          .addValues("e-" + i, type + ":x", type, "x", new Instant(1_710_000_000_000L + i),
              i % 5 == 0 ? null : "{\"n\":" + i + "}")
          .build();
      out.add(KV.of("event_type=" + type, row));
    }
    return out;
  }

  private void write(List<KV<String, Row>> rows, FeedSpec spec, String output, String format,
      Compression compression, int shards) {
    p.apply(Create.of(rows).withCoder(
            KvCoder.of(StringUtf8Coder.of(), SchemaCoder.of(spec.outputSchema()))))
        .apply(WritePartitionedFiles.to(output).withEncoder(new RowEncoder(spec))
            .withParquet(new ParquetRows(spec)).withPrefix("events").withFormat(format)
            .withCompression(compression).withNumShards(shards));
    p.run().waitUntilFinish();
  }

  private static List<String> read(Path file, Compression compression) throws Exception {
    try (InputStream in = Channels.newInputStream(compression.readDecompressed(
            Files.newByteChannel(file)));
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      return r.lines().collect(Collectors.toList());
    }
  }

  private static List<String> files(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).map(f -> root.relativize(f).toString()).sorted()
          .collect(Collectors.toList());
    }
  }

  /** JSON lines, gzip: one file per partition holding exactly its rows, as jsonLine renders. */
  @Test
  public void jsonLinesPerPartition() throws Exception {
    FeedSpec spec = spec();
    List<KV<String, Row>> rows = rows(spec, 300);
    Path out = tmp.newFolder("out").toPath();

    write(rows, spec, out.toString(), "jsonl", Compression.GZIP, 1);

    assertThat(files(out), equalTo(List.of(
        "event_type=lesson/events-00000-of-00001.jsonl.gz",
        "event_type=payment/events-00000-of-00001.jsonl.gz")));
    RowEncoder encoder = new RowEncoder(spec);
    List<String> lessons = rows.stream().filter(kv -> kv.getKey().endsWith("lesson"))
        .map(kv -> encoder.jsonLine(kv.getValue())).collect(Collectors.toList());
    assertThat(read(out.resolve("event_type=lesson/events-00000-of-00001.jsonl.gz"),
        Compression.GZIP), containsInAnyOrder(lessons.toArray()));
  }

  /** CSV in three shards: every shard file exists, starts with the header, rows split among them. */
  @Test
  public void csvShardsEachHaveTheHeader() throws Exception {
    FeedSpec spec = spec();
    List<KV<String, Row>> rows = rows(spec, 7);
    Path out = tmp.newFolder("csv").toPath();

    write(rows, spec, out.toString(), "csv", Compression.GZIP, 3);

    RowEncoder encoder = new RowEncoder(spec);
    List<String> got = new ArrayList<>();
    for (String type : List.of("lesson", "payment")) {
      for (int shard = 0; shard < 3; shard++) {
        Path f = out.resolve("event_type=" + type + "/events-0000" + shard + "-of-00003.csv.gz");
        List<String> lines = read(f, Compression.GZIP);
        assertThat(lines.get(0), equalTo(encoder.csvHeader()));
        got.addAll(lines.subList(1, lines.size()));
      }
    }
    assertThat(got, containsInAnyOrder(rows.stream().map(kv -> encoder.csvLine(kv.getValue()))
        .toArray()));
    assertThat(files(out).size(), equalTo(6));
  }

  /** A partition with fewer rows than shards still gets every shard file: the empty ones empty. */
  @Test
  public void emptyShardsAreEmptyFiles() throws Exception {
    FeedSpec spec = spec();
    List<KV<String, Row>> rows = rows(spec, 1);
    Path out = tmp.newFolder("few").toPath();

    write(rows, spec, out.toString(), "jsonl", Compression.GZIP, 4);

    List<String> got = new ArrayList<>();
    for (int shard = 0; shard < 4; shard++) {
      got.addAll(read(out.resolve("event_type=lesson/events-0000" + shard + "-of-00004.jsonl.gz"),
          Compression.GZIP));
    }
    assertThat(got, equalTo(List.of(new RowEncoder(spec).jsonLine(rows.get(0).getValue()))));
    assertThat(files(out).size(), equalTo(4));
  }

  /** zstd and uncompressed files read back whole; no temp folder is left behind. */
  @Test
  public void zstdAndUncompressed() throws Exception {
    FeedSpec spec = spec();
    List<KV<String, Row>> rows = rows(spec, 50);
    Path zst = tmp.newFolder("zst").toPath();
    Path plain = tmp.newFolder("plain").toPath();
    RowEncoder encoder = new RowEncoder(spec);
    List<String> payments = rows.stream().filter(kv -> kv.getKey().endsWith("payment"))
        .map(kv -> encoder.jsonLine(kv.getValue())).collect(Collectors.toList());

    p.apply("Zstd", Create.of(rows).withCoder(
            KvCoder.of(StringUtf8Coder.of(), SchemaCoder.of(spec.outputSchema()))))
        .apply("WriteZstd", WritePartitionedFiles.to(zst.toString())
            .withEncoder(encoder).withPrefix("events").withCompression(Compression.ZSTD));
    p.apply("Plain", Create.of(rows).withCoder(
            KvCoder.of(StringUtf8Coder.of(), SchemaCoder.of(spec.outputSchema()))))
        .apply("WritePlain", WritePartitionedFiles.to(plain.toString())
            .withEncoder(encoder).withPrefix("events")
            .withCompression(Compression.UNCOMPRESSED));
    p.run().waitUntilFinish();

    assertThat(read(zst.resolve("event_type=payment/events-00000-of-00001.jsonl.zst"),
        Compression.ZSTD), containsInAnyOrder(payments.toArray()));
    assertThat(read(plain.resolve("event_type=payment/events-00000-of-00001.jsonl"),
        Compression.UNCOMPRESSED), containsInAnyOrder(payments.toArray()));
    try (Stream<Path> s = Files.list(zst)) {
      assertThat(s.filter(f -> f.getFileName().toString().startsWith("."))
          .collect(Collectors.toList()), empty());
    }
  }

  /**
   * Many partitions and buffers spilled every few hundred bytes: each spill is one temp file
   * holding a member per partition, and every partition's file still holds exactly its rows,
   * in gzip and zstd.
   */
  @Test
  public void spillsKeepEveryPartitionWhole() throws Exception {
    FeedSpec spec = spec();
    RowEncoder encoder = new RowEncoder(spec);
    List<KV<String, Row>> rows = new ArrayList<>();
    for (KV<String, Row> kv : rows(spec, 400)) {
      rows.add(KV.of("event_type=t" + (kv.getValue().getString("event_uuid").hashCode() % 37),
          kv.getValue()));
    }
    Path gz = tmp.newFolder("spill-gz").toPath();
    Path zst = tmp.newFolder("spill-zst").toPath();
    p.apply("Gz", Create.of(rows).withCoder(
            KvCoder.of(StringUtf8Coder.of(), SchemaCoder.of(spec.outputSchema()))))
        .apply("WriteGz", WriteBatchTextFiles.rows(gz.toString(), encoder, "events", ".jsonl",
            false, Compression.GZIP, 1).withSpillBytes(300));
    p.apply("Zst", Create.of(rows).withCoder(
            KvCoder.of(StringUtf8Coder.of(), SchemaCoder.of(spec.outputSchema()))))
        .apply("WriteZst", WriteBatchTextFiles.rows(zst.toString(), encoder, "events", ".jsonl",
            false, Compression.ZSTD, 2).withSpillBytes(300));
    p.run().waitUntilFinish();

    java.util.Map<String, List<String>> expected = new java.util.TreeMap<>();
    for (KV<String, Row> kv : rows) {
      expected.computeIfAbsent(kv.getKey(), k -> new ArrayList<>())
          .add(encoder.jsonLine(kv.getValue()));
    }
    assertThat(expected.size() > 30, equalTo(true));
    for (java.util.Map.Entry<String, List<String>> e : expected.entrySet()) {
      assertThat(read(gz.resolve(e.getKey() + "/events-00000-of-00001.jsonl.gz"),
          Compression.GZIP), containsInAnyOrder(e.getValue().toArray()));
      List<String> got = new ArrayList<>();
      for (int shard = 0; shard < 2; shard++) {
        got.addAll(read(zst.resolve(e.getKey() + "/events-0000" + shard + "-of-00002.jsonl.zst"),
            Compression.ZSTD));
      }
      assertThat(got, containsInAnyOrder(e.getValue().toArray()));
    }
    assertThat(files(gz).size(), equalTo(expected.size()));
  }
}
