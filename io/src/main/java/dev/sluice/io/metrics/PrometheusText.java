package dev.sluice.io.metrics;

import dev.sluice.core.Ledger;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.metrics.GaugeResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * A run's counters in the Prometheus text exposition format (version 0.0.4), under the names
 * dashboards use: {@code sluice_records_total{feed,outcome}}, {@code
 * sluice_dead_letters_total{feed,stage}}, {@code sluice_rows_stored_total{feed,table}}, {@code
 * sluice_files_written_total}, {@code sluice_bytes_written_total} and the source gauges
 * {@code sluice_sqs_messages_in_flight}, {@code sluice_kinesis_lag_milliseconds}. Written here
 * rather than with a client library: it is a few lines of text per scrape.
 */
public final class PrometheusText {
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private PrometheusText() {}

  public static String render(String feed, MetricResults results) {
    MetricQueryResults m = results.queryMetrics(MetricsFilter.builder().build());
    Map<String, Long> outcomes = new TreeMap<>();
    for (String o : new String[] {"read", "written", "duplicate", "rejected", "late"}) {
      outcomes.put(o, 0L);
    }
    Map<String, Long> stages = new TreeMap<>();
    Map<String, Long> tables = new TreeMap<>();
    Map<String, Long> files = new TreeMap<>();
    Map<String, Long> gauges = new TreeMap<>();
    for (MetricResult<Long> c : m.getCounters()) {
      String ns = c.getName().getNamespace();
      String name = c.getName().getName();
      long v = value(c);
      if (ns.equals(Ledger.NAMESPACE)) {
        if (name.equals(Ledger.READ)) {
          outcomes.merge("read", v, Long::sum);
        } else if (name.equals(Ledger.WRITTEN)) {
          outcomes.merge("written", v, Long::sum);
        } else if (name.equals(Ledger.DUPLICATES)) {
          outcomes.merge("duplicate", v, Long::sum);
        } else if (name.equals(Ledger.LATE)) {
          outcomes.merge("late", v, Long::sum);
        } else if (name.startsWith(Ledger.REJECTED_PREFIX)) {
          outcomes.merge("rejected", v, Long::sum);
          stages.merge(name.substring(Ledger.REJECTED_PREFIX.length()), v, Long::sum);
        }
      } else if (ns.equals(SinkCounters.STORED)) {
        tables.merge(name, v, Long::sum);
      } else if (ns.equals(SinkCounters.FILES)) {
        files.merge(name, v, Long::sum);
      }
    }
    for (MetricResult<GaugeResult> g : m.getGauges()) {
      if (g.getName().getNamespace().equals(SinkCounters.SOURCE)) {
        GaugeResult r = g.getAttempted();
        if (r != null) {
          gauges.merge(g.getName().getName(), r.getValue(), Long::sum);
        }
      }
    }
    String f = "feed=\"" + escape(feed) + "\"";
    StringBuilder b = new StringBuilder();
    head(b, "sluice_records_total", "counter",
        "Records by outcome: read = written + duplicate + rejected; late is within written.");
    outcomes.forEach((o, v) -> line(b, "sluice_records_total", f + ",outcome=\"" + o + "\"", v));
    head(b, "sluice_dead_letters_total", "counter", "Dead letters by stage.");
    stages.forEach((s, v) -> line(b, "sluice_dead_letters_total",
        f + ",stage=\"" + escape(s) + "\"", v));
    if (!tables.isEmpty()) {
      head(b, "sluice_rows_stored_total", "counter", "Rows stored in the database, by table.");
      tables.forEach((t, v) -> line(b, "sluice_rows_stored_total",
          f + ",table=\"" + escape(t) + "\"", v));
    }
    if (files.containsKey(SinkCounters.FILES_WRITTEN)) {
      head(b, "sluice_files_written_total", "counter", "Output files written.");
      line(b, "sluice_files_written_total", f, files.get(SinkCounters.FILES_WRITTEN));
    }
    if (files.containsKey(SinkCounters.BYTES_WRITTEN)) {
      head(b, "sluice_bytes_written_total", "counter", "Bytes of output files written.");
      line(b, "sluice_bytes_written_total", f, files.get(SinkCounters.BYTES_WRITTEN));
    }
    if (gauges.containsKey(SinkCounters.SQS_IN_FLIGHT)) {
      head(b, "sluice_sqs_messages_in_flight", "gauge",
          "SQS messages received and not yet deleted.");
      line(b, "sluice_sqs_messages_in_flight", f, gauges.get(SinkCounters.SQS_IN_FLIGHT));
    }
    if (gauges.containsKey(SinkCounters.KINESIS_LAG_MILLIS)) {
      head(b, "sluice_kinesis_lag_milliseconds", "gauge",
          "How far the Kinesis read is behind the stream's tip.");
      line(b, "sluice_kinesis_lag_milliseconds", f, gauges.get(SinkCounters.KINESIS_LAG_MILLIS));
    }
    return b.toString();
  }

  private static long value(MetricResult<Long> c) {
    // While a job runs only attempted values exist; committed ones lag or are unsupported.
    Long a = c.getAttempted();
    return a == null ? 0 : a;
  }

  private static void head(StringBuilder b, String name, String type, String help) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static void line(StringBuilder b, String name, String labels, long v) {
    b.append(name).append('{').append(labels).append("} ").append(v).append('\n');
  }

  /** Label values: backslash, double quote and newline escaped, as the format asks. */
  static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
