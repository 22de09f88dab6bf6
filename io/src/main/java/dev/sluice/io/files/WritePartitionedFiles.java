package dev.sluice.io.files;

import dev.sluice.core.RowEncoder;
import java.util.Objects;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.WriteFilesResult;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;

/**
 * Writes rows keyed by partition path into {@code <output>/<partition>/} as JSON lines or CSV,
 * compressed, with deterministic names (see {@link PartitionNaming}). A batch's text files are
 * written without a shuffle of the rows ({@link WriteBatchTextFiles}); stream windows and
 * Parquet go through FileIO.
 *
 * <pre>{@code
 * partitioned.apply(WritePartitionedFiles.to("s3://lake/events").withEncoder(encoder)
 *     .withPrefix("events").withFormat("jsonl").withCompression(Compression.GZIP))
 * }</pre>
 */
public final class WritePartitionedFiles
    extends PTransform<PCollection<KV<String, Row>>, PCollection<KV<String, String>>> {
  private final String output;
  private final RowEncoder encoder;
  private final String prefix;
  private final String format;
  private final Compression compression;
  private final int numShards;
  private final ParquetRows parquet;

  private WritePartitionedFiles(String output, RowEncoder encoder, String prefix, String format,
      Compression compression, int numShards, ParquetRows parquet) {
    this.parquet = parquet;
    this.output = output;
    this.encoder = encoder;
    this.prefix = prefix;
    this.format = format;
    this.compression = compression;
    this.numShards = numShards;
  }

  public static WritePartitionedFiles to(String output) {
    return new WritePartitionedFiles(Objects.requireNonNull(output, "output"), null, "part",
        "jsonl", Compression.GZIP, 1, null);
  }

  public WritePartitionedFiles withEncoder(RowEncoder encoder) {
    return new WritePartitionedFiles(output, Objects.requireNonNull(encoder), prefix, format,
        compression, numShards, parquet);
  }

  public WritePartitionedFiles withPrefix(String prefix) {
    return new WritePartitionedFiles(output, encoder, Objects.requireNonNull(prefix), format,
        compression, numShards, parquet);
  }

  public WritePartitionedFiles withFormat(String format) {
    FileFormat.suffix(format);
    return new WritePartitionedFiles(output, encoder, prefix, format, compression, numShards, parquet);
  }

  public WritePartitionedFiles withCompression(Compression compression) {
    return new WritePartitionedFiles(output, encoder, prefix, format,
        Objects.requireNonNull(compression), numShards, parquet);
  }

  public WritePartitionedFiles withNumShards(int numShards) {
    if (numShards < 1) {
      throw new IllegalArgumentException("numShards must be at least 1");
    }
    return new WritePartitionedFiles(output, encoder, prefix, format, compression, numShards, parquet);
  }

  /** Rows as Avro records, needed for {@code parquet}. */
  public WritePartitionedFiles withParquet(ParquetRows parquet) {
    return new WritePartitionedFiles(output, encoder, prefix, format, compression, numShards,
        Objects.requireNonNull(parquet));
  }

  /** Each partition's files: partition path to file name. */
  @Override
  public PCollection<KV<String, String>> expand(PCollection<KV<String, Row>> input) {
    Objects.requireNonNull(encoder, "WritePartitionedFiles needs withEncoder(...)");
    if (FileFormat.suffix(format).equals(".parquet")) {
      return counted(expandParquet(input).getPerDestinationOutputFilenames());
    }
    RowEncoder enc = encoder;
    boolean csv = FileFormat.suffix(format).equals(".csv");
    String suffix = FileFormat.suffix(format);
    String namePrefix = prefix;
    if (WriteBatchTextFiles.takes(input)) {
      // A batch: rows are written where they are, without a shuffle (see WriteBatchTextFiles).
      return input.apply("WriteFiles",
          WriteBatchTextFiles.rows(output, enc, namePrefix, suffix, csv, compression, numShards));
    }
    TextIO.Sink sink = csv ? TextIO.sink().withHeader(enc.csvHeader()) : TextIO.sink();
    return counted(input.apply(
        "WriteFiles",
        FileIO.<String, KV<String, Row>>writeDynamic()
            .by(KV::getKey)
            .withDestinationCoder(StringUtf8Coder.of())
            .via(Contextful.fn(kv -> csv ? enc.csvLine(kv.getValue())
                : enc.jsonLine(kv.getValue())), sink)
            .to(output)
            .withNaming(partition -> new PartitionNaming(partition, namePrefix, suffix))
            .withNumShards(numShards)
            .withCompression(compression))
        .getPerDestinationOutputFilenames());
  }

  /** FileIO's files, also counted into the files and bytes written. */
  static PCollection<KV<String, String>> counted(PCollection<KV<String, String>> files) {
    files.apply("CountWrittenFiles", new CountWrittenFiles());
    return files;
  }

  private WriteFilesResult<String> expandParquet(PCollection<KV<String, Row>> input) {
    ParquetRows rows = Objects.requireNonNull(parquet, "parquet needs withParquet(...)");
    String namePrefix = prefix;
    return input.apply(
        "WriteParquetFiles",
        FileIO.<String, KV<String, Row>>writeDynamic()
            .by(KV::getKey)
            .withDestinationCoder(StringUtf8Coder.of())
            .via(Contextful.fn(kv -> rows.toRecord(kv.getValue())),
                ParquetIO.sink(rows.schema())
                    .withCompressionCodec(FileFormat.parquetCodec(compression)))
            .to(output)
            .withNaming(partition -> new PartitionNaming(partition, namePrefix, ".parquet"))
            .withNumShards(numShards)
            .withCompression(Compression.UNCOMPRESSED));
  }
}
