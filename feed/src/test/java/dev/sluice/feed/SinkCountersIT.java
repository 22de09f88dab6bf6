package dev.sluice.feed;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import dev.sluice.io.jdbc.Database;
import dev.sluice.io.jdbc.PostgresDialect;
import dev.sluice.io.jdbc.Tables;
import dev.sluice.io.metrics.SinkCounters;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.pii.SluiceKeys;
import dev.sluice.core.spec.FeedSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * A batch run's sink counters ({@link SinkCounters}) against what the run left: the rows in the
 * table, the files in the output folder and their sizes.
 */
@RunWith(JUnit4.class)
public class SinkCountersIT {
  @ClassRule public static final TestPostgres PG = new TestPostgres("sink_counters");
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void textFilesAndRowsAreCounted() throws Exception {
    runAndCompare("jsonl");
  }

  /** Parquet goes through FileIO: its files are counted from what FileIO reports. */
  @Test
  public void parquetFilesAreCounted() throws Exception {
    runAndCompare("parquet");
  }

  private void runAndCompare(String format) throws Exception {
    String url = PG.newDatabase();
    FeedSpec spec = Feeds.load(PipelineFixtures.eventsSpec().toString());
    Database db = Database.of(url, null);
    Tables.ensure(db, new PostgresDialect(), spec);
    List<String> lines = PipelineFixtures.lines(PipelineFixtures.eventsFile());
    List<RawRecord> records = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      records.add(RawRecord.of(lines.get(i).getBytes(StandardCharsets.UTF_8),
          "events.jsonl:" + (i + 1)));
    }
    Path out = tmp.newFolder("out").toPath();
    Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
    SluicePipeline.buildPipeline(p, spec, new Protector(SluiceKeys.generate("v1")),
        Create.of(records).withCoder(RawRecord.RawRecordCoder.of()),
        Sinks.files(out.toString()).withFormat(format).withDatabase(db));
    PipelineResult result = p.run();
    result.waitUntilFinish();

    long rows;
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM events")) {
      assertTrue(rs.next());
      rows = rs.getLong(1);
    }
    // The shipped file: 73 lines, 60 unique valid events.
    assertEquals(60, rows);
    assertEquals(rows, counter(result, SinkCounters.STORED, "events"));
    long files = 0;
    long bytes = 0;
    try (Stream<Path> walk = Files.walk(out)) {
      for (Path f : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
        files++;
        bytes += Files.size(f);
      }
    }
    assertTrue("files on disk", files > 1);
    assertEquals(files, counter(result, SinkCounters.FILES, SinkCounters.FILES_WRITTEN));
    assertEquals(bytes, counter(result, SinkCounters.FILES, SinkCounters.BYTES_WRITTEN));
  }

  private static long counter(PipelineResult result, String namespace, String name) {
    long sum = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(namespace, name)).build()).getCounters()) {
      sum += c.getCommitted();
    }
    return sum;
  }
}
