package dev.sluice.core.normalise;

import java.io.Serializable;
import org.apache.beam.sdk.values.Row;

/**
 * A feed's own rule over a whole parsed record, beyond what the spec's field types say (a
 * cafe order's total must match its items). {@link dev.sluice.core.ParseRecords} applies
 * it right after a record parses, so a record that breaks it becomes a {@code validate} dead
 * letter with its payload encrypted and its origin, like any other.
 *
 * <p>Implementations are not thread-safe unless they say so; each DoFn holds its own.
 */
public interface RowCheck extends Serializable {
  /** Null when the row is fine, else the problem: names fields, never their values. */
  String problem(Row parsed);

  /**
   * Fields left out of the dead letter's view of a row this check refused: a value that broke
   * the check may be personal data in the wrong place (a card number where a brand belongs).
   */
  default java.util.Set<String> hiddenInView() {
    return java.util.Set.of();
  }
}
