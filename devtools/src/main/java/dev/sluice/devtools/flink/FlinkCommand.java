package dev.sluice.devtools.flink;


import dev.sluice.cli.flink.FlinkLedger;
import dev.sluice.cli.flink.FlinkRest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.io.SluiceException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sluice flink start|status|stop|savepoint|add-taskmanager}: a local standalone Flink
 * 1.19 session cluster of separate JVMs, started from the shaded jar (see
 * {@link LocalFlinkCluster}), and the few operations a run on it needs.
 *
 * <pre>
 * sluice flink start --taskmanagers=2 --slots=2      # prints localhost:8081
 * sluice run --runner=FlinkRunner --flinkMaster=localhost:8081 --spec=... --input=... --output=...
 * sluice flink savepoint --job=ID [--stop]
 * sluice flink stop
 * </pre>
 */
@Command(name = "flink", mixinStandardHelpOptions = true,
    description = "A local Flink 1.19 cluster (JobManager and TaskManagers as separate JVMs).",
    synopsisSubcommandLabel = "start|status|stop|savepoint|ledger|add-taskmanager")
public final class FlinkCommand implements Callable<Integer> {
  static final String DEFAULT_DIR = ".sluice/flink";
  private final PrintStream out;

  @Spec CommandSpec spec;

  /** {@code sluice flink} alone: the subcommands. */
  @Override
  public Integer call() {
    spec.commandLine().usage(out);
    return 2;
  }

  public FlinkCommand(PrintStream out) {
    this.out = out;
  }

  @Command(name = "start", mixinStandardHelpOptions = true,
      description = "Start a JobManager and TaskManagers; print the REST address once every"
          + " TaskManager has registered.")
  int start(
      @Option(names = "--taskmanagers", defaultValue = "1",
          description = "TaskManager JVMs (default 1).") int taskManagers,
      @Option(names = "--slots", defaultValue = "2",
          description = "Task slots per TaskManager (default 2).") int slots,
      @Option(names = "--dir", defaultValue = DEFAULT_DIR,
          description = "Configuration, logs, pids, checkpoints, savepoints (default "
              + DEFAULT_DIR + ").") Path dir,
      @Option(names = "--restPort", defaultValue = "-1",
          description = "REST port (default 8081 when free, else a free one; 0: any free one).")
          int restPort,
      @Option(names = "--parallelism", defaultValue = "0",
          description = "Default job parallelism (default taskmanagers x slots).")
          int parallelism,
      @Option(names = "--taskHeap", defaultValue = "512m",
          description = "Task heap of each TaskManager (default 512m).") String taskHeap,
      @Option(names = "--conf", split = ",",
          description = "More Flink settings, key=value[,key=value...].")
          Map<String, String> conf) {
    LocalFlinkCluster.Settings s = LocalFlinkCluster.Settings.defaults()
        .taskManagers(taskManagers).slots(slots).parallelism(parallelism).taskHeap(taskHeap);
    if (restPort >= 0) {
      s.restPort(restPort);
    }
    if (conf != null) {
      conf.forEach(s::set);
    }
    LocalFlinkCluster cluster = LocalFlinkCluster.at(dir);
    long t0 = System.nanoTime();
    String address = cluster.start(s);
    System.err.printf("sluice flink: JobManager and %d TaskManager%s (%d slot%s each) up in"
            + " %.1f s; logs in %s%n", taskManagers, taskManagers == 1 ? "" : "s", slots,
        slots == 1 ? "" : "s", (System.nanoTime() - t0) / 1e9, cluster.logDir());
    out.println(address);
    return 0;
  }

  @Command(name = "add-taskmanager", mixinStandardHelpOptions = true,
      description = "Start one more TaskManager for a running cluster (a replacement after a"
          + " crash, or more slots).")
  int addTaskManager(
      @Option(names = "--dir", defaultValue = DEFAULT_DIR,
          description = "The cluster's folder (default " + DEFAULT_DIR + ").") Path dir) {
    out.println(LocalFlinkCluster.at(dir).addTaskManager());
    return 0;
  }

  @Command(name = "status", mixinStandardHelpOptions = true,
      description = "The cluster's processes, TaskManagers, slots and jobs.")
  int status(
      @Option(names = "--dir", defaultValue = DEFAULT_DIR,
          description = "The cluster's folder (default " + DEFAULT_DIR + ").") Path dir) {
    LocalFlinkCluster cluster = LocalFlinkCluster.at(dir);
    Map<String, ProcessHandle> procs = cluster.processes();
    if (!procs.containsKey("jobmanager")) {
      throw new SluiceException("no cluster is running from " + cluster.dir()
          + " (start one: sluice flink start --dir=" + dir + ")");
    }
    FlinkRest rest = cluster.rest();
    JsonNode o = rest.overview();
    out.println("cluster " + cluster.restAddress() + " (Flink " + o.path("flink-version").asText()
        + "): " + o.path("taskmanagers").asInt() + " TaskManagers, "
        + o.path("slots-available").asInt() + " of " + o.path("slots-total").asInt()
        + " slots free");
    StringBuilder p = new StringBuilder("  processes:");
    procs.forEach((name, h) -> p.append(' ').append(name).append('=').append(h.pid()));
    out.println(p);
    for (JsonNode tm : rest.taskManagers()) {
      out.println("  " + tm.path("id").asText() + ": " + tm.path("freeSlots").asInt() + " of "
          + tm.path("slotsNumber").asInt() + " slots free");
    }
    List<JsonNode> jobs = rest.jobs();
    if (jobs.isEmpty()) {
      out.println("  no jobs");
    }
    for (JsonNode j : jobs) {
      out.println("  job " + j.path("jid").asText() + "  " + j.path("state").asText() + "  "
          + j.path("name").asText() + "  started "
          + Instant.ofEpochMilli(j.path("start-time").asLong()));
    }
    return 0;
  }

  @Command(name = "stop", mixinStandardHelpOptions = true,
      description = "Stop every JVM of the cluster (running jobs end with it).")
  int stop(
      @Option(names = "--dir", defaultValue = DEFAULT_DIR,
          description = "The cluster's folder (default " + DEFAULT_DIR + ").") Path dir) {
    LocalFlinkCluster cluster = LocalFlinkCluster.at(dir);
    List<String> stopped = cluster.stop();
    if (stopped.isEmpty()) {
      out.println("no cluster was running from " + cluster.dir());
    } else {
      out.println("stopped " + String.join(", ", stopped));
    }
    return 0;
  }

  @Command(name = "savepoint", mixinStandardHelpOptions = true,
      description = "Take a savepoint of a running job and print its path; resume with"
          + " sluice run ... --savepointPath=PATH.")
  int savepoint(
      @Option(names = "--job", description = "The job id (default: the only running job).")
          String job,
      @Option(names = "--dir", defaultValue = DEFAULT_DIR,
          description = "The cluster's folder (default " + DEFAULT_DIR + ").") Path dir,
      @Option(names = "--flinkMaster",
          description = "REST address of another cluster (host:port) instead of --dir's.")
          String flinkMaster,
      @Option(names = "--target",
          description = "Savepoint folder (default: the cluster's state.savepoints.dir).")
          String target,
      @Option(names = "--stop", description = "Stop the job once the savepoint is taken.")
          boolean stop,
      @Option(names = "--timeout", defaultValue = "300",
          description = "Seconds to wait for the savepoint (default 300).") int timeout) {
    FlinkRest rest = flinkMaster != null ? new FlinkRest(flinkMaster)
        : LocalFlinkCluster.at(dir).rest();
    String jobId = job != null ? job : onlyRunningJob(rest);
    out.println(rest.savepoint(jobId, target, stop, Duration.ofSeconds(timeout)));
    return 0;
  }

  @Command(name = "ledger", mixinStandardHelpOptions = true,
      description = "The ledger of a job (read = written + duplicates + rejected) from its"
          + " counters on the cluster: for a job submitted through the REST API, or running.")
  int ledger(
      @Option(names = "--job", required = true, description = "The job id.") String job,
      @Option(names = "--dir", defaultValue = DEFAULT_DIR,
          description = "The cluster's folder (default " + DEFAULT_DIR + ").") Path dir,
      @Option(names = "--flinkMaster",
          description = "REST address of another cluster (host:port) instead of --dir's.")
          String flinkMaster) {
    String address = flinkMaster != null ? flinkMaster : LocalFlinkCluster.at(dir).restAddress();
    FlinkLedger.Result r = FlinkLedger.of(address, job);
    out.println(r.ledger().line() + "  (job " + r.state() + ")");
    r.ledger().rowsByPartition().forEach((k, v) -> out.println("    " + k + "  " + v));
    boolean finished = "FINISHED".equals(r.state());
    if (finished && !r.ledger().balanced()) {
      throw new SluiceException("ledger of job " + job + " does not balance");
    }
    return 0;
  }

  private static String onlyRunningJob(FlinkRest rest) {
    List<JsonNode> running = rest.jobs().stream()
        .filter(j -> "RUNNING".equals(j.path("state").asText())).toList();
    if (running.size() != 1) {
      throw new SluiceException(running.isEmpty() ? "no job is running; nothing to savepoint"
          : running.size() + " jobs are running; name one with --job=ID");
    }
    return running.get(0).path("jid").asText();
  }
}
