package dev.sluice.pipeline.sources;

import dev.sluice.transforms.RecordSplitter;
import dev.sluice.transforms.model.RawRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.util.Objects;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * Reads local or S3 files matching a glob and cuts them into raw records, each with its file
 * and line as origin. Compressed files ({@code .gz}, {@code .zst}, ...) are read as such.
 *
 * <pre>{@code p.apply(ReadFiles.matching("s3://lake/events/*.jsonl").withSplitter(splitter)) }</pre>
 */
public final class ReadFiles extends PTransform<PBegin, PCollection<RawRecord>> {
  private final String glob;
  private final RecordSplitter splitter;

  private ReadFiles(String glob, RecordSplitter splitter) {
    this.glob = glob;
    this.splitter = splitter;
  }

  public static ReadFiles matching(String glob) {
    return new ReadFiles(Objects.requireNonNull(glob, "glob"), RecordSplitter.lines());
  }

  public ReadFiles withSplitter(RecordSplitter splitter) {
    return new ReadFiles(glob, Objects.requireNonNull(splitter, "splitter"));
  }

  @Override
  public PCollection<RawRecord> expand(PBegin input) {
    return input
        .apply("MatchFiles", FileIO.match().filepattern(glob)
            .withEmptyMatchTreatment(EmptyMatchTreatment.DISALLOW))
        .apply("OpenFiles", FileIO.readMatches().withCompression(Compression.AUTO))
        .apply("SplitRecords", ParDo.of(new SplitFn(splitter)))
        .setCoder(RawRecord.RawRecordCoder.of());
  }

  static final class SplitFn extends DoFn<FileIO.ReadableFile, RawRecord> {
    private final RecordSplitter splitter;

    SplitFn(RecordSplitter splitter) {
      this.splitter = splitter;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, OutputReceiver<RawRecord> out)
        throws IOException {
      String name = file.getMetadata().resourceId().toString();
      long arrival = System.currentTimeMillis();
      try (InputStream in = Channels.newInputStream(file.open())) {
        splitter.split(
            in,
            (payload, line, header) -> {
              String origin = name + ":" + line;
              out.output(new RawRecord(payload, origin, origin, arrival, header));
            });
      }
    }
  }
}
