package dev.sluice.feed;

import org.apache.beam.sdk.PipelineResult;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Follows a long run: counters and rate every few seconds, never per record. */
final class Progress {
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

  private Progress() {}

  static void follow(String feed, PipelineResult result, Duration every) {
    long lastRead = 0;
    long lastAt = System.currentTimeMillis();
    while (true) {
      PipelineResult.State state = result.waitUntilFinish(every);
      if (state != null && state.isTerminal()) {
        return;
      }
      RunLedger now = RunLedger.from(feed, result);
      long at = System.currentTimeMillis();
      double rate = (now.read() - lastRead) * 1000.0 / Math.max(1, at - lastAt);
      LOG.info("{}: read {}, written {}, duplicates {}, rejected {}, late {} ({} records/s)",
          feed, now.read(), now.written(), now.duplicates(), now.rejected(), now.late(),
          Math.round(rate));
      lastRead = now.read();
      lastAt = at;
    }
  }
}
