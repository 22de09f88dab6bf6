package dev.sluice.io.files;

import dev.sluice.io.SluiceException;
import java.util.Locale;
import org.apache.beam.sdk.io.Compression;

/** Output file format and compression, from their command-line names. */
public final class FileFormat {
  private FileFormat() {}

  public static String suffix(String format) {
    switch (format.toLowerCase(Locale.ROOT)) {
      case "jsonl":
      case "json":
        return ".jsonl";
      case "csv":
        return ".csv";
      case "parquet":
        return ".parquet";
      default:
        throw new SluiceException("--format=" + format + ": unknown format (jsonl, csv or"
            + " parquet)");
    }
  }

  /** Parquet compresses inside the file: the same names, as Parquet codecs. */
  public static org.apache.parquet.hadoop.metadata.CompressionCodecName parquetCodec(
      Compression c) {
    switch (c) {
      case GZIP:
        return org.apache.parquet.hadoop.metadata.CompressionCodecName.GZIP;
      case ZSTD:
        return org.apache.parquet.hadoop.metadata.CompressionCodecName.ZSTD;
      default:
        return org.apache.parquet.hadoop.metadata.CompressionCodecName.UNCOMPRESSED;
    }
  }

  public static Compression compression(String name) {
    switch (name.toLowerCase(Locale.ROOT)) {
      case "gzip":
      case "gz":
        return Compression.GZIP;
      case "zstd":
        return Compression.ZSTD;
      case "none":
        return Compression.UNCOMPRESSED;
      default:
        throw new SluiceException("--compression=" + name + ": unknown (gzip, zstd or none)");
    }
  }
}
