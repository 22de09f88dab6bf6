package dev.sluice.io.files;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * RollFiles closes a partition's file at its size, after its flush interval of processing time,
 * and when the stream ends; event times (here 1970 and 2099 among 2024) and the watermark never
 * decide where or whether an item is written. TestStream drives the processing-time clock.
 */
public class RollFilesTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final Instant T0 = Instant.parse("2024-03-09T00:00:00Z");
  private static final Instant Y2099 = Instant.parse("2099-01-01T00:00:00Z");

  /** Plain lines, uncompressed, so the files can be read back as they are. */
  private static RollFiles.FileBody<String> lines() {
    return new FileBodies.Text<>(s -> s, null, ".txt", Compression.UNCOMPRESSED);
  }

  private static TimestampedValue<KV<String, String>> item(String partition, String value,
      Instant eventTime) {
    return TimestampedValue.of(KV.of(partition, value), eventTime);
  }

  /** Each file's lines, by path below the output, in the order of the files' rolls. */
  private static Map<String, List<String>> files(Path root) throws IOException {
    Map<String, List<String>> out = new TreeMap<>(java.util.Comparator.comparing(
        (String n) -> n.replaceAll(".*-r(\\d{4})-.*", "$1")).thenComparing(n -> n));
    try (Stream<Path> s = Files.walk(root)) {
      for (Path f : s.filter(Files::isRegularFile).collect(Collectors.toList())) {
        out.put(root.relativize(f).toString(), Files.readAllLines(f));
      }
    }
    return out;
  }

  @Test
  public void rollsBySizeByFlushIntervalAndAtTheEnd() throws Exception {
    Path out = tmp.newFolder("out").toPath();
    // Each item is 2 bytes with its newline; files close at 6 bytes (three items).
    TestStream<KV<String, String>> events =
        TestStream.create(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
            .addElements(item("dt=a", "1", T0), item("dt=a", "2", new Instant(0)),
                item("dt=b", "x", Y2099), item("dt=a", "3", T0), item("dt=a", "4", T0))
            .advanceWatermarkTo(Y2099)
            // Past the flush interval: dt=a's second file ("4") and dt=b's first close.
            .advanceProcessingTime(Duration.standardMinutes(6))
            .addElements(item("dt=a", "5", new Instant(0)), item("dt=b", "y", T0))
            // The end of the stream closes what is open.
            .advanceWatermarkToInfinity();
    PCollection<String> written =
        p.apply(events)
            .apply(RollFiles.to(out.toString(), lines()).withPrefix("ev").withFileSize(6)
                .withFlushInterval(Duration.standardMinutes(5)).emittingWritten());
    PAssert.that(written).containsInAnyOrder("1", "2", "3", "4", "5", "x", "y");
    p.run().waitUntilFinish();

    Map<String, List<String>> files = files(out);
    List<List<String>> a = new ArrayList<>();
    List<List<String>> b = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : files.entrySet()) {
      assertTrue(e.getKey(), e.getKey().matches(
          "dt=[ab]/ev-(\\d{8}T\\d{9}Z|m-?\\d+)-r\\d{4}-00000-of-00001\\.txt"));
      (e.getKey().startsWith("dt=a/") ? a : b).add(e.getValue());
    }
    assertEquals(List.of(List.of("1", "2", "3"), List.of("4"), List.of("5")), a);
    assertEquals(List.of(List.of("x"), List.of("y")), b);
  }

  @Test
  public void shardsSplitAPartitionAndNamesCarryTheRoll() throws Exception {
    Path out = tmp.newFolder("out2").toPath();
    List<TimestampedValue<KV<String, String>>> items = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      items.add(item("p", "v" + i, T0.plus(Duration.standardDays(i % 3))));
      expected.add("v" + i);
    }
    TestStream<KV<String, String>> events =
        TestStream.create(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
            .addElements(items.get(0), items.subList(1, items.size())
                .toArray(new TimestampedValue[0]))
            .advanceWatermarkToInfinity();
    PCollection<String> written =
        p.apply(events)
            .apply(RollFiles.to(out.toString(), lines()).withPrefix("ev").withNumShards(2)
                .withFileSize(20).emittingWritten());
    PAssert.that(written).containsInAnyOrder(expected);
    p.run().waitUntilFinish();

    Map<String, List<String>> files = files(out);
    List<String> all = new ArrayList<>();
    int shard0 = 0;
    int shard1 = 0;
    for (Map.Entry<String, List<String>> e : files.entrySet()) {
      assertTrue(e.getKey(), e.getKey().matches("p/ev-(\\d{8}T\\d{9}Z|m-?\\d+)-r\\d{4}-0000[01]-of-00002\\.txt"));
      shard0 += e.getKey().contains("-00000-of-") ? 1 : 0;
      shard1 += e.getKey().contains("-00001-of-") ? 1 : 0;
      all.addAll(e.getValue());
      // 20 bytes: at most seven 3-byte items ("vN\n" or "vNN\n" is 3 or 4 bytes).
      assertTrue(e.getKey() + " " + e.getValue(), e.getValue().size() <= 7);
    }
    assertTrue("both shards hold files", shard0 > 0 && shard1 > 0);
    all.sort(null);
    expected.sort(null);
    assertEquals(expected, all);
  }
}
