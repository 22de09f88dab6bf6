package dev.sluice.pipeline.sinks;

import dev.sluice.pipeline.SluiceException;
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
      default:
        throw new SluiceException("--format=" + format + ": unknown format (jsonl or csv)");
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
