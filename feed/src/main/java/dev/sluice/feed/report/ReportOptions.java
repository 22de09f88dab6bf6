package dev.sluice.feed.report;

import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptions;

/** {@code --report} for commands whose options are not {@code SluiceOptions} (the lake). */
public interface ReportOptions extends PipelineOptions {
  @Description("Write a self-contained HTML report of the pass to this local file.")
  String getReport();

  void setReport(String value);
}
