package dev.sluice.feed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.Ledger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.beam.sdk.metrics.MetricsFilter;

/**
 * What a run did with every record it read: {@code read = written + duplicates + rejected}.
 * Built from the runner's counters after the run; a run whose ledger does not balance fails.
 */
public final class RunLedger {
  private final String feed;
  private final long read;
  private final long written;
  private final long duplicates;
  private final long late;
  private long filesRejected;
  private final Map<String, Long> rejectedByStage;
  private final Map<String, Long> rowsByPartition;
  /** Unnamed JSON keys dropped ({@code "extra_fields": "drop"}); not records, not balanced. */
  private long fieldsDropped;
  /** Dead letters by kind of reason ("stage: reason", digits as '#'). */
  private Map<String, Long> reasons = Map.of();

  public RunLedger(String feed, long read, long written, long duplicates,
      Map<String, Long> rejectedByStage, Map<String, Long> rowsByPartition) {
    this(feed, read, written, duplicates, 0, rejectedByStage, rowsByPartition);
  }

  public RunLedger(String feed, long read, long written, long duplicates, long late,
      Map<String, Long> rejectedByStage, Map<String, Long> rowsByPartition) {
    this.late = late;
    this.feed = feed;
    this.read = read;
    this.written = written;
    this.duplicates = duplicates;
    this.rejectedByStage = new TreeMap<>(rejectedByStage);
    this.rowsByPartition = new TreeMap<>(rowsByPartition);
  }

  public static RunLedger from(String feed, PipelineResult result) {
    return from(feed, result.metrics());
  }

  /** The ledger in a run's counters, wherever they came from (a result, a cluster's job). */
  public static RunLedger from(String feed, MetricResults results) {
    MetricQueryResults metrics = results.queryMetrics(MetricsFilter.builder().build());
    long read = 0;
    long written = 0;
    long duplicates = 0;
    long late = 0;
    long filesRejected = 0;
    Map<String, Long> rejected = new TreeMap<>();
    Map<String, Long> partitions = new TreeMap<>();
    Map<String, Long> reasons = new TreeMap<>();
    long fieldsDropped = 0;
    for (MetricResult<Long> c : metrics.getCounters()) {
      String ns = c.getName().getNamespace();
      String name = c.getName().getName();
      long v = value(c);
      if (ns.equals(Ledger.NAMESPACE)) {
        if (name.equals(Ledger.READ)) {
          read += v;
        } else if (name.equals(Ledger.WRITTEN)) {
          written += v;
        } else if (name.equals(Ledger.DUPLICATES)) {
          duplicates += v;
        } else if (name.equals(Ledger.LATE)) {
          late += v;
        } else if (name.equals(Ledger.FIELDS_DROPPED)) {
          fieldsDropped += v;
        } else if (name.equals(Ledger.FILES_REJECTED)) {
          filesRejected += v;
        } else if (name.startsWith(Ledger.REJECTED_PREFIX)) {
          rejected.merge(name.substring(Ledger.REJECTED_PREFIX.length()), v, Long::sum);
        }
      } else if (ns.equals(Ledger.PARTITIONS)) {
        partitions.merge(name, v, Long::sum);
      } else if (ns.equals(Ledger.REASONS)) {
        reasons.merge(name, v, Long::sum);
      }
    }
    RunLedger ledger = new RunLedger(feed, read, written, duplicates, late, rejected, partitions)
        .withDetails(fieldsDropped, reasons);
    ledger.filesRejected = filesRejected;
    return ledger;
  }

  /** The same ledger with the counts that are not part of its balance. */
  RunLedger withDetails(long fieldsDropped, Map<String, Long> reasons) {
    this.fieldsDropped = fieldsDropped;
    this.reasons = new TreeMap<>(reasons);
    return this;
  }

  /** Keys of JSON records that no field named and that were dropped, counted. */
  public long fieldsDropped() {
    return fieldsDropped;
  }

  /** Dead letters by kind of reason, most frequent first, at most {@code n}. */
  public List<Map.Entry<String, Long>> topReasons(int n) {
    List<Map.Entry<String, Long>> all = new ArrayList<>(reasons.entrySet());
    all.sort(Map.Entry.<String, Long>comparingByValue().reversed()
        .thenComparing(Map.Entry.comparingByKey()));
    return all.subList(0, Math.min(n, all.size()));
  }

  /**
   * Files that could not be read to their end, each one dead letter of stage {@code read}; the
   * records read from them before the damage are in {@link #read()}.
   */
  public long filesRejected() {
    return filesRejected;
  }

  private static long value(MetricResult<Long> c) {
    // Not every runner has committed metrics (Flink has attempted only); a batch run that
    // finished has the same attempted and committed counts.
    try {
      Long committed = c.getCommitted();
      if (committed != null) {
        return committed;
      }
    } catch (UnsupportedOperationException e) {
      // fall through
    }
    Long attempted = c.getAttempted();
    return attempted == null ? 0 : attempted;
  }

  public String feed() {
    return feed;
  }

  public long read() {
    return read;
  }

  public long written() {
    return written;
  }

  public long duplicates() {
    return duplicates;
  }

  /** Of the rows written, how many came after their window had closed (streams). */
  public long late() {
    return late;
  }

  public long rejected() {
    return rejectedByStage.values().stream().mapToLong(Long::longValue).sum();
  }

  public Map<String, Long> rejectedByStage() {
    return rejectedByStage;
  }

  public Map<String, Long> rowsByPartition() {
    return rowsByPartition;
  }

  public boolean balanced() {
    return read == written + duplicates + rejected();
  }

  /** One line: {@code events: read 73 = written 60 + duplicates 5 + rejected 8 (...)}. */
  public String line() {
    StringBuilder b = new StringBuilder();
    b.append(feed).append(": read ").append(read).append(" = written ").append(written)
        .append(" + duplicates ").append(duplicates).append(" + rejected ").append(rejected());
    if (!rejectedByStage.isEmpty()) {
      b.append(" (");
      String sep = "";
      for (Map.Entry<String, Long> e : rejectedByStage.entrySet()) {
        b.append(sep).append(e.getKey()).append(' ').append(e.getValue());
        sep = ", ";
      }
      b.append(')');
    }
    if (late > 0) {
      b.append("; late ").append(late);
    }
    if (fieldsDropped > 0) {
      b.append("; fields dropped ").append(fieldsDropped);
    }
    if (filesRejected > 0) {
      b.append("; files rejected ").append(filesRejected);
    }
    b.append(balanced() ? "  [balanced]" : "  [NOT BALANCED]");
    return b.toString();
  }

  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode n = mapper.createObjectNode();
    n.put("feed", feed);
    n.put("read", read);
    n.put("written", written);
    n.put("duplicates", duplicates);
    n.put("rejected", rejected());
    n.put("late", late);
    n.put("files_rejected", filesRejected);
    n.put("balanced", balanced());
    ObjectNode stages = n.putObject("rejected_by_stage");
    rejectedByStage.forEach(stages::put);
    n.put("fields_dropped", fieldsDropped);
    ObjectNode top = n.putObject("top_reasons");
    topReasons(10).forEach(e -> top.put(e.getKey(), e.getValue()));
    ObjectNode parts = n.putObject("rows_by_partition");
    rowsByPartition.forEach(parts::put);
    return n;
  }
}
