package dev.sluice.pipeline;

import static org.junit.Assert.assertEquals;

import dev.sluice.transforms.Ledger;
import dev.sluice.transforms.model.RawRecord;
import dev.sluice.transforms.pii.Protector;
import dev.sluice.transforms.pii.SluiceKeys;
import dev.sluice.transforms.spec.FeedSpec;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestStream;
import org.apache.beam.sdk.values.TimestampedValue;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Windowed writes of a stream: on-time and late panes, each in a file of its own. */
public class StreamWindowsTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();
  @Rule public final transient TemporaryFolder tmp = new TemporaryFolder();

  private static final long NOON = 1_709_985_600L; // 2024-03-09T12:00:00Z

  private static TimestampedValue<RawRecord> event(String uuid, long epochSeconds) {
    String name = uuid.equals("bad") ? "no-colon" : "account:created";
    String json = "{\"event_uuid\": \"" + uuid + "\", \"event_name\": \"" + name + "\","
        + " \"created_at\": " + epochSeconds + "}";
    return TimestampedValue.of(
        RawRecord.of(json.getBytes(StandardCharsets.UTF_8), "test:" + uuid),
        new Instant(epochSeconds * 1000));
  }

  /** A row after its window closed is written in a later pane, counted late, never dropped. */
  @Test
  public void lateRowGetsItsOwnPaneAndIsCounted() throws Exception {
    FeedSpec spec = Feeds.load(PipelineFixtures.eventsSpec().toString());
    Protector protector = new Protector(SluiceKeys.generate("v1"));
    TestStream<RawRecord> stream =
        TestStream.create(RawRecord.RawRecordCoder.of())
            .addElements(event("a", NOON + 10), event("b", NOON + 20),
                event("bad", NOON + 30))
            .advanceWatermarkTo(new Instant((NOON + 300) * 1000))
            .addElements(event("c", NOON + 40), event("a", NOON + 45))
            .advanceProcessingTime(Duration.standardSeconds(30))
            .advanceWatermarkToInfinity();
    Path out = tmp.newFolder("out").toPath();
    SluicePipeline.Outputs o = SluicePipeline.buildPipeline(p, spec, protector,
        new org.apache.beam.sdk.transforms.PTransform<
            org.apache.beam.sdk.values.PBegin,
            org.apache.beam.sdk.values.PCollection<RawRecord>>() {
          @Override
          public org.apache.beam.sdk.values.PCollection<RawRecord> expand(
              org.apache.beam.sdk.values.PBegin input) {
            return input.apply(stream);
          }
        },
        Sinks.files(out.toString()).withCompression(org.apache.beam.sdk.io.Compression.GZIP)
            .withWindow(Duration.standardMinutes(1)));
    PAssert.that(o.duplicateKeys).containsInAnyOrder("a");
    PAssert.that(o.deadLetters.apply(org.apache.beam.sdk.transforms.MapElements
        .into(org.apache.beam.sdk.values.TypeDescriptors.strings())
        .via(d -> d.stage() + " " + d.origin()))).containsInAnyOrder("validate test:bad");
    PipelineResult result = p.run();
    result.waitUntilFinish();

    Map<String, Long> rowsPerFile = new TreeMap<>();
    try (Stream<Path> files = Files.walk(out.resolve("event_type=account/dt=2024-03-09"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
          ByteArrayOutputStream b = new ByteArrayOutputStream();
          in.transferTo(b);
          rowsPerFile.put(f.getFileName().toString(),
              b.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).count());
        }
      }
    }
    String w = "-w20240309T120000Z";
    assertEquals(Map.of("events" + w + "-p0-00000-of-00001.jsonl.gz", 2L,
        "events" + w + "-p1-00000-of-00001.jsonl.gz", 1L), rowsPerFile);
    assertEquals(1L, counter(result, Ledger.LATE));
    assertEquals(3L, counter(result, Ledger.WRITTEN));
    assertEquals(5L, counter(result, Ledger.READ));
  }

  private static long counter(PipelineResult r, String name) {
    long total = 0;
    for (MetricResult<Long> c : r.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(Ledger.NAMESPACE, name)).build()).getCounters()) {
      total += c.getAttempted();
    }
    return total;
  }
}
