package dev.sluice.io.files;

import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Spreads a read's file parts over a few groups, one per worker's share, instead of one key
 * per part ({@code Reshuffle.viaRandomKey()}). A runner then reads a group's parts in one
 * bundle: the DirectRunner makes a bundle per key after a GroupByKey, and every bundle costs it
 * (each step is translated again per bundle, and a later GroupByKey copies its state once per
 * input bundle), so 10,000 small files were 10,000 bundles in every step after the read.
 */
final class SpreadParts extends PTransform<PCollection<FilePart>, PCollection<FilePart>> {
  /** Groups: a few per core, so parts still balance over the workers. */
  static final int GROUPS = Math.max(8, 2 * Runtime.getRuntime().availableProcessors());

  @Override
  public PCollection<FilePart> expand(PCollection<FilePart> parts) {
    return parts
        .apply("KeyByGroup", ParDo.of(new KeyByGroupFn(GROUPS)))
        .setCoder(KvCoder.of(VarIntCoder.of(), FilePart.FilePartCoder.INSTANCE))
        .apply("GroupParts", GroupByKey.create())
        .apply("UngroupParts", ParDo.of(new UngroupFn()))
        .setCoder(FilePart.FilePartCoder.INSTANCE);
  }

  /** Parts in turn to groups 0 to n - 1: the parts of one glob come in one bundle, in order. */
  static final class KeyByGroupFn extends DoFn<FilePart, KV<Integer, FilePart>> {
    private final int groups;
    private transient int next;

    KeyByGroupFn(int groups) {
      this.groups = groups;
    }

    @ProcessElement
    public void process(@Element FilePart part, OutputReceiver<KV<Integer, FilePart>> out) {
      out.output(KV.of(next, part));
      next = (next + 1) % groups;
    }
  }

  static final class UngroupFn extends DoFn<KV<Integer, Iterable<FilePart>>, FilePart> {
    @ProcessElement
    public void process(@Element KV<Integer, Iterable<FilePart>> group,
        OutputReceiver<FilePart> out) {
      for (FilePart p : group.getValue()) {
        out.output(p);
      }
    }
  }
}
