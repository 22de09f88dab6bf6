package dev.sluice.io.files;

import dev.sluice.io.metrics.SinkCounters;
import java.io.IOException;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Counts the files FileIO reports in place (destination to file name) and their sizes, into
 * {@link SinkCounters}: FileIO writes them itself, so their sizes are asked of the file system.
 */
final class CountWrittenFiles
    extends PTransform<PCollection<KV<String, String>>, PCollection<Void>> {

  @Override
  public PCollection<Void> expand(PCollection<KV<String, String>> files) {
    return files.apply(ParDo.of(new CountFn()));
  }

  static final class CountFn extends DoFn<KV<String, String>, Void> {
    @ProcessElement
    public void process(@Element KV<String, String> file) throws IOException {
      long size = FileSystems.matchSingleFileSpec(file.getValue()).sizeBytes();
      SinkCounters.filesWritten().inc();
      SinkCounters.bytesWritten().inc(size);
    }
  }
}
