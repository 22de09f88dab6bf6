package dev.sluice.io;

import dev.sluice.io.jdbc.Database;

/**
 * A problem a user can fix (an argument, a spec, a key file, a server that cannot be reached).
 * Its message is one line that says what and where; the command line prints it without a
 * stack trace and exits non-zero.
 */
public class SluiceException extends RuntimeException {
  public SluiceException(String message) {
    super(message);
  }

  public SluiceException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The innermost cause's message, first line only, with any database URL's secrets redacted. */
  public static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String msg = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    int nl = msg.indexOf('\n');
    return Database.redact(nl < 0 ? msg : msg.substring(0, nl));
  }
}
