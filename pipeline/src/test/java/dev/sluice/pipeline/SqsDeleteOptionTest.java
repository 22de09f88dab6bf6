package dev.sluice.pipeline;

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
    assertFalse(SluicePipeline.deleteAtCheckpoints(options()));
    assertFalse(SluicePipeline.deleteAtCheckpoints(options("--sqsDelete=store")));
  }

  @Test
  public void checkpointIsRefusedOnTheDirectRunner() {
    SluiceException e = assertThrows(SluiceException.class,
        () -> SluicePipeline.deleteAtCheckpoints(options("--sqsDelete=checkpoint")));
    assertEquals("--sqsDelete=checkpoint needs --runner=FlinkRunner (the DirectRunner would"
        + " delete messages before their rows are stored)", e.getMessage());
  }

  @Test
  public void anUnknownValueIsNamed() {
    SluiceException e = assertThrows(SluiceException.class,
        () -> SluicePipeline.deleteAtCheckpoints(options("--sqsDelete=never")));
    assertEquals("--sqsDelete=never: expected store or checkpoint", e.getMessage());
  }
}
