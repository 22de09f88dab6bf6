package dev.sluice.io.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** A byte range of a file that starts at a line start, or a whole (maybe compressed) file. */
final class FilePart {
  final String file;
  /** Negative for a whole file, read through its compression. */
  final long start;
  final long end;
  final long firstLine;

  FilePart(String file, long start, long end, long firstLine) {
    this.file = file;
    this.start = start;
    this.end = end;
    this.firstLine = firstLine;
  }

  static FilePart whole(String file) {
    return new FilePart(file, -1, -1, 1);
  }

  boolean isWhole() {
    return start < 0;
  }

  static final class FilePartCoder extends AtomicCoder<FilePart> {
    static final FilePartCoder INSTANCE = new FilePartCoder();

    @Override
    public void encode(FilePart p, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(p.file, out);
      VarLongCoder.of().encode(p.start + 1, out);
      VarLongCoder.of().encode(p.end + 1, out);
      VarLongCoder.of().encode(p.firstLine, out);
    }

    @Override
    public FilePart decode(InputStream in) throws IOException {
      String file = StringUtf8Coder.of().decode(in);
      long start = VarLongCoder.of().decode(in) - 1;
      long end = VarLongCoder.of().decode(in) - 1;
      return new FilePart(file, start, end, VarLongCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
