package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;

import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Test;

/** {@code --sqsDelete}: its values, and "checkpoint" refused where it would delete too early. */
public class SqsDeleteOptionTest {
  private static SluiceOptions options(String... args) {
    return PipelineOptionsFactory.fromArgs(args).as(SluiceOptions.class);
  }

  @Test
  public void storeIsTheDefault() {
    assertFalse(SourceChoice.deleteAtCheckpoints(options()));
    assertFalse(SourceChoice.deleteAtCheckpoints(options("--sqsDelete=store")));
  }

  @Test
  public void checkpointIsRefusedOnTheDirectRunner() {
    SluiceException e = assertThrows(SluiceException.class,
        () -> SourceChoice.deleteAtCheckpoints(options("--sqsDelete=checkpoint")));
    assertEquals("--sqsDelete=checkpoint needs --runner=FlinkRunner (the DirectRunner would"
        + " delete messages before their rows are stored)", e.getMessage());
  }

  @Test
  public void anUnknownValueIsNamed() {
    SluiceException e = assertThrows(SluiceException.class,
        () -> SourceChoice.deleteAtCheckpoints(options("--sqsDelete=never")));
    assertEquals("--sqsDelete=never: expected store or checkpoint", e.getMessage());
  }

  /** Deleting at store, a message must stay invisible while its record waits in an open file. */
  @Test
  public void visibilityTimeoutOutlastsTheFlushInterval() {
    org.joda.time.Duration fiveMinutes = org.joda.time.Duration.standardMinutes(5);
    assertEquals(600, SourceChoice.visibilityTimeout(null, false, fiveMinutes));
    assertEquals(12, SourceChoice.visibilityTimeout(null, false,
        org.joda.time.Duration.standardSeconds(2)));
    assertEquals(900, SourceChoice.visibilityTimeout(900, false, fiveMinutes));
    SluiceException e = assertThrows(SluiceException.class,
        () -> SourceChoice.visibilityTimeout(60, false, fiveMinutes));
    assertEquals("--visibilityTimeout=60 is too short for --flushInterval=300s: a message is"
        + " deleted only after its file closes; give at least 600 (twice the flush interval, at"
        + " least it plus 10 s) or a shorter --flushInterval", e.getMessage());
    // At checkpoints the Flink setup checks it against the checkpoint interval instead.
    assertEquals(60, SourceChoice.visibilityTimeout(null, true, fiveMinutes));
  }

  @Test
  public void fileSizesReadAsPeopleWriteThem() {
    assertEquals(128L << 20, FileSize.parse("128MiB", "--fileSize"));
    assertEquals(64L << 10, FileSize.parse("64KiB", "--fileSize"));
    assertEquals(1000, FileSize.parse("1000", "--fileSize"));
    assertEquals(1L << 30, FileSize.parse("1g", "--fileSize"));
    SluiceException e = assertThrows(SluiceException.class,
        () -> FileSize.parse("big", "--fileSize"));
    assertEquals("--fileSize=big: expected a size such as 128MiB, 64KiB or a number of bytes",
        e.getMessage());
    assertThrows(SluiceException.class, () -> FileSize.parse("0", "--fileSize"));
  }
}
