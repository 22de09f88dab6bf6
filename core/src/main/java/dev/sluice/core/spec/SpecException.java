package dev.sluice.core.spec;

/** A feed spec that cannot run; the message names where in the spec and what is wrong. */
public class SpecException extends IllegalArgumentException {
  public SpecException(String message) {
    super(message);
  }

  /** The one shape of a spec's messages: {@code file: place: problem}. */
  static SpecException at(String file, String place, String problem) {
    return new SpecException(file + ": " + place + ": " + problem);
  }
}
