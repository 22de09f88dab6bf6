package dev.sluice.feed;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.core.pii.SluiceKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** {@code --format=parquet}: the same rows and partitions as JSON lines, typed columns. */
public class ParquetOutputTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** Every good event lands once, in its partition, with its UTC time as timestamp-millis. */
  @Test
  public void eventsAsParquet() throws Exception {
    Path keys = PipelineFixtures.writeKeyFile(SluiceKeys.generate("v1"), tmp.getRoot().toPath());
    Path out = tmp.newFolder("out").toPath();
    SluiceOptions o = PipelineOptionsFactory.as(SluiceOptions.class);
    o.setSpec(PipelineFixtures.eventsSpec().toString());
    o.setInput(PipelineFixtures.eventsFile().toString());
    o.setOutput(out.toString());
    o.setKeyFile(keys.toString());
    o.setFormat("parquet");
    o.setCompression("zstd");
    SluicePipeline.run(o);

    Map<String, JsonNode> expected = PipelineFixtures.goodUniqueEvents(PipelineFixtures.eventsFile());
    Map<String, Long> partitions = new HashMap<>();
    int rows = 0;
    List<Path> files;
    try (Stream<Path> s = Files.walk(out)) {
      files = s.filter(p -> p.toString().endsWith(".parquet")).toList();
    }
    assertTrue(!files.isEmpty());
    for (Path f : files) {
      String partition = out.relativize(f.getParent()).toString();
      try (ParquetReader<GenericRecord> r = AvroParquetReader.<GenericRecord>builder(
          HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(f.toUri()), new Configuration()))
          .build()) {
        GenericRecord rec;
        while ((rec = r.read()) != null) {
          rows++;
          String uuid = rec.get("event_uuid").toString();
          JsonNode want = expected.get(uuid);
          assertEquals(want.get("created_at").asLong() * 1000, rec.get("created_at"));
          assertEquals(PipelineFixtures.eventPartition(want), partition);
          partitions.merge(partition, 1L, Long::sum);
        }
      }
    }
    assertEquals(expected.size(), rows);
    assertEquals(PipelineFixtures.expectedEventPartitions(PipelineFixtures.eventsFile()),
        partitions);
  }
}
