package dev.sluice.io.streams;

import java.util.NoSuchElementException;
import org.apache.beam.sdk.io.UnboundedSource;
import org.joda.time.Instant;

/**
 * An unbounded reader that hands out what its last {@code start} or {@code advance} held, and
 * fails as Beam asks when that found nothing.
 *
 * <pre>{@code return m == null ? holdNothing() : hold(record, arrival); }</pre>
 */
abstract class HoldingReader<T> extends UnboundedSource.UnboundedReader<T> {
  private T current;
  private Instant currentTimestamp;

  /** Holds {@code element} at {@code timestamp}; true, for {@code advance} to return. */
  protected final boolean hold(T element, Instant timestamp) {
    current = element;
    currentTimestamp = timestamp;
    return true;
  }

  /** Holds nothing; false, for {@code advance} to return. */
  protected final boolean holdNothing() {
    current = null;
    return false;
  }

  @Override
  public final T getCurrent() {
    if (current == null) {
      throw new NoSuchElementException();
    }
    return current;
  }

  @Override
  public final Instant getCurrentTimestamp() {
    if (current == null) {
      throw new NoSuchElementException();
    }
    return currentTimestamp;
  }
}
