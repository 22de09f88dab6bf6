package dev.sluice.feed.report;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.feed.BlockOnRun;
import dev.sluice.feed.RunLedger;
import dev.sluice.feed.SluiceOptions;
import dev.sluice.io.metrics.MetricsServer;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.beam.sdk.PipelineResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches one run for {@code --report} and {@code --metricsPort}: samples the runner's counters
 * once a second while it runs (for the throughput chart), serves them at {@code /metrics}, and
 * writes the report when the run ends. Does nothing when neither option is given.
 *
 * <p>Where counters can be read while a job runs: the DirectRunner (its result answers at once;
 * the watch asks it not to block in {@code run()}), and Flink streams. An embedded Flink batch
 * returns from {@code run()} only when done: its report has the end figures and no curve.
 */
public final class RunWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunWatch.class);
  static final long SAMPLE_MILLIS = 1000;
  static final int MAX_SAMPLES = 3600;

  private final SluiceOptions options;
  private final String kind;
  private final String feed;
  private final String input;
  private final String output;
  private final String filePrefix;
  private final long startMillis = System.currentTimeMillis();
  private final List<long[]> samples = new ArrayList<>();
  private volatile PipelineResult result;
  private Thread sampler;
  private MetricsServer server;

  private RunWatch(SluiceOptions options, String kind, String feed, String input, String output,
      String filePrefix) {
    this.options = options;
    this.kind = kind;
    this.feed = feed;
    this.input = input;
    this.output = output;
    this.filePrefix = filePrefix;
  }

  /** Before {@code p.run()}: a watch for the run, when asked for. */
  public static RunWatch of(SluiceOptions options, String kind, String feed, String input,
      String output, String filePrefix) {
    RunWatch w = new RunWatch(options, kind, feed, input, output, filePrefix);
    if (w.wanted()) {
      BlockOnRun.off(options);
    }
    return w;
  }

  private boolean wanted() {
    return report() != null || options.getMetricsPort() != null;
  }

  private String report() {
    String r = options.getReport();
    return r == null || r.isEmpty() ? null : r;
  }

  /** Right after {@code p.run()}: serve metrics and sample counters while it runs. */
  public void running(PipelineResult result) {
    this.result = result;
    if (options.getMetricsPort() != null) {
      server = MetricsServer.start(options.getMetricsPort(), feed, result);
      LOG.info("metrics of feed {} at http://127.0.0.1:{}/metrics", feed, server.port());
    }
    if (report() == null) {
      return;
    }
    sample();
    sampler = new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted()) {
          Thread.sleep(SAMPLE_MILLIS);
          PipelineResult.State s = result.getState();
          if (s != null && s.isTerminal()) {
            return;
          }
          sample();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        // A runner that cannot answer while running: the report keeps the end figures.
        LOG.debug("counters cannot be sampled while the job runs: {}", e.toString());
      }
    }, "sluice-report-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  private synchronized void sample() {
    RunLedger now = RunLedger.from(feed, result);
    samples.add(new long[] {System.currentTimeMillis() - startMillis, now.read(), now.written()});
    if (samples.size() > MAX_SAMPLES) {
      // Keep every other one: the curve's shape stays, the page stays small.
      for (int i = samples.size() - 1; i > 0; i -= 2) {
        samples.remove(i);
      }
    }
  }

  /** When the run has ended with its ledger: writes the report (a replay adds its books). */
  public void finished(RunLedger ledger, ObjectNode replay) {
    stopSampler();
    String file = report();
    if (file == null) {
      return;
    }
    List<long[]> all;
    synchronized (this) {
      samples.add(new long[] {System.currentTimeMillis() - startMillis, ledger.read(),
          ledger.written()});
      all = new ArrayList<>(samples);
    }
    long millis = System.currentTimeMillis() - startMillis;
    RunReport r = RunReport.of(kind, feed).withLedger(ledger).withSamples(all)
        .withOutput(output, filePrefix);
    if (replay != null) {
      r.withReplay(replay);
    }
    r.withFact("runner", options.getRunner() == null ? null : options.getRunner().getSimpleName())
        .withFact("started", Instant.ofEpochMilli(startMillis).toString())
        .withFact("duration", String.format("%.1f s", millis / 1000.0))
        .withFact("records/s", millis == 0 ? "" : Math.round(ledger.read() * 1000.0 / millis))
        .withFact("input", input)
        .withFact("output", output)
        .withFact("spec", options.getSpec())
        .withFact("Sluice version", version())
        .write(file);
    LOG.info("report of feed {} written to {}", feed, file);
  }

  private void stopSampler() {
    if (sampler != null) {
      sampler.interrupt();
      try {
        sampler.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      sampler = null;
    }
  }

  @Override
  public void close() {
    stopSampler();
    if (server != null) {
      server.close();
      server = null;
    }
  }

  /** The version in the jar's Maven metadata; "development build" when run from classes. */
  static String version() {
    try (InputStream in = RunWatch.class.getResourceAsStream(
        "/META-INF/maven/dev.sluice/sluice-feed/pom.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        return p.getProperty("version", "unknown");
      }
    } catch (IOException e) {
      // fall through
    }
    return "development build";
  }
}
