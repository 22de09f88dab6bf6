package dev.sluice.feed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.feed.report.RunWatch;
import dev.sluice.io.SluiceException;
import dev.sluice.io.files.WriteDeadLetters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.joda.time.Duration;

/**
 * Runs a built graph under a {@link RunWatch} to its ledger: waits for a batch, follows a
 * stream, and writes the {@code --summary} before the watch reports the end, so whoever reads
 * the report finds the summary in place.
 */
final class WatchedRun {
  private WatchedRun() {}

  static RunLedger run(Pipeline p, SluiceOptions options, FeedSpec spec, Input input,
      String output, boolean streaming) {
    PipelineResult result;
    RunWatch watch = RunWatch.of(options, "run", spec.name, input.describe(), output, spec.name);
    try {
      result = p.run();
      watch.running(result);
      if (streaming) {
        Progress.follow(spec.name, result, Duration.standardSeconds(5));
      } else {
        result.waitUntilFinish();
      }
    } catch (RuntimeException e) {
      watch.close();
      throw new SluiceException("the run of feed " + spec.name + " failed: " + SluiceException.rootCause(e), e);
    }
    RunLedger ledger = RunLedger.from(spec.name, result);
    if (options.getSummary() != null && !options.getSummary().isEmpty()) {
      writeSummary(ledger, options, output);
    }
    try (watch) {
      watch.finished(ledger, null);
    }
    return ledger;
  }

  /** The ledger as JSON, with where the output and the dead letters went. */
  static void writeSummary(RunLedger ledger, SluiceOptions options, String output) {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    var json = ledger.toJson(mapper);
    json.put("output", output);
    json.put("dead_letters", output + "/" + WriteDeadLetters.FOLDER);
    try {
      Path path = Path.of(options.getSummary());
      if (path.toAbsolutePath().getParent() != null) {
        Files.createDirectories(path.toAbsolutePath().getParent());
      }
      Files.writeString(path, mapper.writeValueAsString(json) + "\n");
    } catch (IOException e) {
      throw new SluiceException("--summary=" + options.getSummary() + ": cannot be written ("
          + e.getMessage() + ")");
    }
  }
}
