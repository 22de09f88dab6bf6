package dev.sluice.runners;

import dev.sluice.pipeline.jdbc.Database;
import dev.sluice.pipeline.lake.LakeLoader;
import dev.sluice.pipeline.lake.LakeOptions;
import dev.sluice.pipeline.report.ReportOptions;
import dev.sluice.pipeline.report.RunReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;

/** {@code sluice lake --report=FILE.html}: the pass's objects as a page (one pass, not --watch). */
final class LakeReport {
  private LakeReport() {}

  static void writeIfAsked(LakeOptions options, LakeLoader.Summary summary, long startedMillis,
      PrintStream out) {
    String file = options.as(ReportOptions.class).getReport();
    if (file == null || file.isEmpty()) {
      return;
    }
    long millis = System.currentTimeMillis() - startedMillis;
    RunReport.of("lake pass", summary.config.input())
        .withLakeObjects(summary.records)
        .withFact("summary", summary.line())
        .withFact("started", Instant.ofEpochMilli(startedMillis).toString())
        .withFact("duration", String.format("%.1f s", millis / 1000.0))
        .withFact("input", options.getInput())
        .withFact("database", Database.redact(options.getJdbcUrl()))
        .withFact("runner", options.getRunner() == null ? null
            : options.getRunner().getSimpleName())
        .write(file);
    out.println("report: " + Path.of(file).toAbsolutePath());
  }
}
