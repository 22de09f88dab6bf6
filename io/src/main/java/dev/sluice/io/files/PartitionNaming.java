package dev.sluice.io.files;

import java.util.Locale;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.transforms.windowing.GlobalWindow;
import org.apache.beam.sdk.transforms.windowing.IntervalWindow;
import org.apache.beam.sdk.transforms.windowing.PaneInfo;

/**
 * Deterministic file names below a partition folder: {@code <partition>/<feed>-00000-of-00001
 * .jsonl.gz}. With a fixed shard count, a re-run of the same input writes the same names and so
 * replaces files instead of adding copies. Windowed (streaming) writes add the window start and
 * pane index, so a late pane gets a file of its own.
 */
public final class PartitionNaming implements FileIO.Write.FileNaming {
  private static final java.time.format.DateTimeFormatter WINDOW_START =
      java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
          .withZone(java.time.ZoneOffset.UTC);
  private final String partition;
  private final String prefix;
  private final String suffix;

  public PartitionNaming(String partition, String prefix, String suffix) {
    this.partition = partition;
    this.prefix = prefix;
    this.suffix = suffix;
  }

  @Override
  public String getFilename(
      BoundedWindow window, PaneInfo pane, int numShards, int shardIndex,
      Compression compression) {
    StringBuilder name = new StringBuilder();
    if (!partition.isEmpty()) {
      name.append(partition).append('/');
    }
    name.append(prefix);
    if (window != null && !(window instanceof GlobalWindow)) {
      if (window instanceof IntervalWindow) {
        name.append("-w").append(WINDOW_START.format(java.time.Instant.ofEpochMilli(
            ((IntervalWindow) window).start().getMillis())));
      }
      if (pane != null) {
        name.append("-p").append(pane.getIndex());
      }
    }
    name.append(String.format(Locale.ROOT, "-%05d-of-%05d", shardIndex, Math.max(numShards, 1)));
    name.append(suffix);
    if (compression != null) {
      name.append(compression.getSuggestedSuffix());
    }
    return name.toString();
  }
}
