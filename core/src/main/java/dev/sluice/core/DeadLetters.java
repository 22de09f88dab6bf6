package dev.sluice.core;

import dev.sluice.core.model.DeadLetter;
import org.apache.beam.sdk.values.TupleTag;

/** The one tag under which every stage emits its dead letters. */
public final class DeadLetters {
  public static final TupleTag<DeadLetter> TAG = new TupleTag<DeadLetter>() {};

  private DeadLetters() {}
}
