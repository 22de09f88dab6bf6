package dev.sluice.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sluice.io.jdbc.Database;
import dev.sluice.lake.LoadRecord;
import java.util.List;
import dev.sluice.lake.LakeLoader;
import dev.sluice.lake.LakeOptions;
import dev.sluice.feed.report.ReportOptions;
import dev.sluice.feed.report.RunReport;
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
        .withLakeObjects(objects(summary.records))
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

  /** Each object of the pass with what became of it: keys, counts and reasons, never values. */
  private static ArrayNode objects(List<LoadRecord> records) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    for (LoadRecord r : records) {
      a.addObject().put("key", r.objectKey).put("table", r.table == null ? "" : r.table)
          .put("action", r.action == null ? "" : r.action).put("status", r.status)
          .put("rows_read", r.rowsRead).put("rows_loaded", r.rowsLoaded)
          .put("rows_rejected", r.rowsRejected).put("reason", r.reason == null ? "" : r.reason);
    }
    return a;
  }
}
