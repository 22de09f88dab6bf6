package dev.sluice.io.files;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * The streams a part is read through: a whole file's decompressor guarded so its failures
 * read as the file's, and a byte range cut short at the part's end.
 */
final class PartStreams {
  private PartStreams() {}

  /** A decompressor's unchecked failure, as the IOException it is for this file. */
  static final class Unreadable extends IOException {
    Unreadable(RuntimeException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /**
   * Turns unchecked exceptions of a decompressing stream into {@link Unreadable}, so a corrupt
   * file is caught as such while errors of later steps (which the receiver may run, fused) are
   * never mistaken for it.
   */
  static final class Guarded extends FilterInputStream {
    Guarded(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      try {
        return super.read();
      } catch (RuntimeException e) {
        throw new Unreadable(e);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      try {
        return super.read(b, off, len);
      } catch (RuntimeException e) {
        throw new Unreadable(e);
      }
    }
  }

  /** At most {@code remaining} bytes of a stream. */
  static final class Bounded extends FilterInputStream {
    private long remaining;

    Bounded(InputStream in, long remaining) {
      super(in);
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = super.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = super.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }
  }
}
