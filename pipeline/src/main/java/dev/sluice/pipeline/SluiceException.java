package dev.sluice.pipeline;

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
}
