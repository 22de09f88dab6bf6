package dev.sluice.cli.flink;

import dev.sluice.feed.RunLedger;
import dev.sluice.io.SluiceException;
import dev.sluice.feed.SluicePipeline;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.beam.runners.core.metrics.MetricsContainerStepMap;
import org.apache.beam.runners.flink.metrics.FlinkMetricContainer;
import org.apache.beam.sdk.metrics.MetricResults;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;

/**
 * A job's ledger read from the cluster: the Beam counters travel as one Flink accumulator
 * ({@code __metricscontainers}), which the REST API hands out serialized; this deserializes it
 * with Sluice's classes, as Beam's own client does after an attached run.
 */
public final class FlinkLedger {
  private FlinkLedger() {}

  public record Result(RunLedger ledger, String state) {}

  public static Result of(String address, String jobId) {
    FlinkRest rest = new FlinkRest(address);
    var job = rest.job(jobId);
    String name = job.path("name").asText();
    String feed = name.startsWith("sluice-") ? name.substring("sluice-".length()) : name;
    URI uri = URI.create(rest.address());
    Configuration conf = new Configuration();
    conf.set(RestOptions.ADDRESS, uri.getHost());
    conf.set(RestOptions.PORT, uri.getPort());
    Map<String, Object> accumulators;
    try (RestClusterClient<StandaloneClusterId> client =
        new RestClusterClient<>(conf, StandaloneClusterId.getInstance())) {
      accumulators = client.getAccumulators(JobID.fromHexString(jobId),
          FlinkLedger.class.getClassLoader()).get(60, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new SluiceException("cannot read the counters of job " + jobId + " from " + address
          + ": " + SluiceException.rootCause(e));
    }
    Object m = accumulators.get(FlinkMetricContainer.ACCUMULATOR_NAME);
    MetricResults metrics = MetricsContainerStepMap.asAttemptedOnlyMetricResults(
        m instanceof MetricsContainerStepMap ? (MetricsContainerStepMap) m
            : new MetricsContainerStepMap());
    return new Result(RunLedger.from(feed, metrics), job.path("state").asText());
  }
}
