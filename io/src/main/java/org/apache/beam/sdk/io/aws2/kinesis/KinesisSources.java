package org.apache.beam.sdk.io.aws2.kinesis;

import org.apache.beam.sdk.io.UnboundedSource;

/**
 * KinesisIO's own source for a configured read (its class is package-private), so Sluice can
 * read it in batches (see {@code dev.sluice.io.streams.ReadInBatches}). Lives in Beam's
 * package for that access only; it adds no behaviour.
 */
public final class KinesisSources {
  private KinesisSources() {}

  public static UnboundedSource<KinesisRecord, ?> of(KinesisIO.Read read) {
    return new KinesisSource(read);
  }
}
