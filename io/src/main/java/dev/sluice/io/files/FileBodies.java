package dev.sluice.io.files;

import dev.sluice.core.RowEncoder;
import dev.sluice.core.model.DeadLetter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.parquet.ParquetIO;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.Row;

/** The bodies of {@link RollFiles}' files: rows as JSON lines, CSV or Parquet; dead letters. */
public final class FileBodies {
  private FileBodies() {}

  /** Rows in {@code format} (jsonl, csv, parquet), compressed as asked. */
  public static RollFiles.FileBody<Row> rows(String format, RowEncoder encoder,
      ParquetRows parquet, Compression compression) {
    String suffix = FileFormat.suffix(format);
    switch (suffix) {
      case ".csv":
        return new Text<>(encoder::csvLine, encoder.csvHeader(), suffix, compression);
      case ".parquet":
        return new Parquet(parquet, compression);
      default:
        return new Text<>(encoder::jsonLine, null, suffix, compression);
    }
  }

  /** Dead letters as uncompressed JSON lines, for a person to read. */
  public static RollFiles.FileBody<DeadLetter> deadLetters() {
    return new Text<>(WriteDeadLetters::toJson, null, ".jsonl", Compression.UNCOMPRESSED);
  }

  /** Lines of text with an optional header, compressed. */
  static final class Text<T> implements RollFiles.FileBody<T> {
    private final SerializableFunction<T, String> line;
    private final String header;
    private final String suffix;
    private final Compression compression;

    Text(SerializableFunction<T, String> line, String header, String suffix,
        Compression compression) {
      this.line = line;
      this.header = header;
      this.suffix = suffix;
      this.compression = compression;
    }

    @Override
    public long sizeOf(T item) {
      // Characters, not bytes: close enough for a roll size, and no second encoding.
      return line.apply(item).length() + 1;
    }

    @Override
    public void write(Iterable<T> items, WritableByteChannel channel) throws IOException {
      // One close, through the writer: an S3 channel closed twice completes its upload twice.
      OutputStream os = Channels.newOutputStream(compression.writeCompressed(channel));
      try (Writer w = new java.io.BufferedWriter(
          new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16)) {
        if (header != null) {
          w.write(header);
          w.write('\n');
        }
        for (T t : items) {
          w.write(line.apply(t));
          w.write('\n');
        }
      }
    }

    @Override
    public String suffix() {
      return suffix + compression.getSuggestedSuffix();
    }
  }

  /** Rows as Parquet, compressed inside the file. */
  static final class Parquet implements RollFiles.FileBody<Row> {
    private final ParquetRows rows;
    private final Compression compression;

    Parquet(ParquetRows rows, Compression compression) {
      this.rows = rows;
      this.compression = compression;
    }

    @Override
    public long sizeOf(Row item) {
      // The row's uncompressed value bytes, roughly: the text of its values.
      long n = 0;
      for (Object v : item.getValues()) {
        n += v == null ? 1 : String.valueOf(v).length() + 1;
      }
      return n;
    }

    @Override
    public void write(Iterable<Row> items, WritableByteChannel channel) throws IOException {
      ParquetIO.Sink sink = ParquetIO.sink(rows.schema())
          .withCompressionCodec(FileFormat.parquetCodec(compression));
      sink.open(channel);
      for (Row r : items) {
        GenericRecord rec = rows.toRecord(r);
        sink.write(rec);
      }
      sink.flush();
      if (channel.isOpen()) {
        channel.close();
      }
    }

    @Override
    public String suffix() {
      return ".parquet";
    }
  }
}
