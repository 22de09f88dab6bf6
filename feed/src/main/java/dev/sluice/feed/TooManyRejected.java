package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import java.util.Map;

/**
 * A run that finished, wrote its outputs, ledger and summary, but rejected more records than
 * {@code --maxRejected} allows: most likely the input is not what the spec describes (a
 * misread format). Its message is one line with the top reasons; {@link #ledger} is there so
 * the command still prints it.
 */
public final class TooManyRejected extends SluiceException {
  private final transient RunLedger ledger;

  TooManyRejected(String message, RunLedger ledger) {
    super(message);
    this.ledger = ledger;
  }

  public RunLedger ledger() {
    return ledger;
  }

  /**
   * {@code --maxRejected}: null (all but one of the records read), a count ({@code 100}) or a
   * share ({@code 5%}); fails with a one-line message naming the option for anything else.
   */
  static long limit(String option, long read) {
    if (option == null || option.isBlank()) {
      return Math.max(0, read - 1);
    }
    String o = option.strip();
    try {
      if (o.endsWith("%")) {
        double share = Double.parseDouble(o.substring(0, o.length() - 1));
        if (share < 0 || share > 100 || Double.isNaN(share)) {
          throw new NumberFormatException();
        }
        return (long) Math.floor(read * share / 100.0);
      }
      long n = Long.parseLong(o);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new SluiceException("--maxRejected=" + option + ": expected a count such as 100 or"
          + " a share such as 5%");
    }
  }

  /** Null when the ledger stays within the limit, else the exception to end the run with. */
  static TooManyRejected check(RunLedger ledger, String option) {
    long limit = limit(option, ledger.read());
    if (ledger.read() == 0 || ledger.rejected() <= limit) {
      return null;
    }
    StringBuilder b = new StringBuilder();
    b.append(ledger.feed()).append(": rejected ").append(ledger.rejected()).append(" of ")
        .append(ledger.read()).append(" records read, more than --maxRejected allows (")
        .append(option == null || option.isBlank() ? "all but one" : option.strip())
        .append("); top reasons: ");
    String sep = "";
    for (Map.Entry<String, Long> e : ledger.topReasons(3)) {
      b.append(sep).append(e.getKey()).append(" (").append(e.getValue()).append(')');
      sep = "; ";
    }
    if (sep.isEmpty()) {
      b.append("see the dead letters");
    }
    return new TooManyRejected(b.toString(), ledger);
  }
}
