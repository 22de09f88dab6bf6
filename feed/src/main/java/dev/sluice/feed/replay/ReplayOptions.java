package dev.sluice.feed.replay;

import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * What {@code sluice replay} takes beyond a run's options ({@code --spec}, {@code --output},
 * {@code --jdbcUrl}, {@code --keyFile}, {@code --summary}, {@code --report} and the rest come
 * from {@link dev.sluice.feed.SluiceOptions}; {@code --input} is not used).
 */
public interface ReplayOptions extends S3Options {
  @Description("Dead letters to replay: a run's output folder or its _dead_letters folder"
      + " (local or s3://...), or 'jdbc' for the sluice_dead_letters table at --jdbcUrl"
      + " (SQS runs).")
  @Validation.Required
  String getDeadLetters();

  void setDeadLetters(String value);
}
