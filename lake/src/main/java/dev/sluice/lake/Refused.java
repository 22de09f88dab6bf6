package dev.sluice.lake;

/**
 * An object that cannot be loaded as it is: a bad key, a missing schema, an action the table
 * does not allow, a schema change that would lose data, rows that do not fit. It loads nothing
 * and its log row says why; the same object is not tried again. The message names the problem,
 * never a value from the object.
 */
final class Refused extends Exception {
  Refused(String reason) {
    super(reason, null, false, false);
  }
}
