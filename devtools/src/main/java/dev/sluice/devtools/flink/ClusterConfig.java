package dev.sluice.devtools.flink;

import dev.sluice.io.SluiceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link LocalFlinkCluster}'s {@code conf/config.yaml}, written and read back, and the JVM
 * flags that follow from it: started without Flink's scripts, the JVMs get from here what
 * those scripts would derive.
 */
final class ClusterConfig {
  private ClusterConfig() {}

  /** config.yaml: flat keys, one per line, as Flink 1.19 reads them. */
  static String text(Path dir, LocalFlinkCluster.Settings s, int restPort) {
    int jmRpc = Ports.freePort();
    int blob = Ports.freePort();
    Map<String, String> c = new LinkedHashMap<>();
    c.put("jobmanager.rpc.address", "localhost");
    c.put("jobmanager.rpc.port", Integer.toString(jmRpc));
    c.put("jobmanager.bind-host", "localhost");
    c.put("jobmanager.memory.heap.size", s.jobManagerHeap);
    c.put("blob.server.port", Integer.toString(blob));
    c.put("rest.address", "localhost");
    c.put("rest.bind-address", "localhost");
    c.put("rest.port", Integer.toString(restPort));
    // The shaded jar is ~300 MB; uploads through /jars/upload must fit.
    c.put("rest.server.max-content-length", "1073741824");
    c.put("rest.client.max-content-length", "1073741824");
    c.put("web.submit.enable", "true");
    c.put("web.cancel.enable", "true");
    c.put("web.upload.dir", dir.resolve("tmp/web-upload").toString());
    c.put("web.tmpdir", dir.resolve("tmp/web").toString());
    c.put("taskmanager.host", "localhost");
    c.put("taskmanager.bind-host", "localhost");
    c.put("taskmanager.numberOfTaskSlots", Integer.toString(s.slots));
    c.put("taskmanager.cpu.cores", Integer.toString(s.slots));
    // Every memory part spelled out: without Flink's scripts nobody derives them.
    c.put("taskmanager.memory.framework.heap.size", "128m");
    c.put("taskmanager.memory.task.heap.size", s.taskHeap);
    c.put("taskmanager.memory.framework.off-heap.size", "128m");
    c.put("taskmanager.memory.task.off-heap.size", "0m");
    c.put("taskmanager.memory.network.min", "128m");
    c.put("taskmanager.memory.network.max", "128m");
    c.put("taskmanager.memory.managed.size", s.managed);
    c.put("taskmanager.memory.jvm-metaspace.size", s.metaspace);
    c.put("taskmanager.memory.jvm-overhead.min", "192m");
    c.put("taskmanager.memory.jvm-overhead.max", "192m");
    c.put("io.tmp.dirs", dir.resolve("tmp").toString());
    c.put("parallelism.default",
        Integer.toString(s.parallelism > 0 ? s.parallelism : s.taskManagers * s.slots));
    // A lost TaskManager is noticed within seconds, not the default 50 s.
    c.put("heartbeat.interval", "2000");
    c.put("heartbeat.timeout", "10000");
    c.put("jobmanager.execution.failover-strategy", "region");
    // Restarts: give up when a job fails more than 10 times in 5 minutes.
    c.put("restart-strategy.type", "failure-rate");
    c.put("restart-strategy.failure-rate.max-failures-per-interval",
        Integer.toString(s.maxFailuresPerInterval));
    c.put("restart-strategy.failure-rate.failure-rate-interval", s.failureInterval);
    c.put("restart-strategy.failure-rate.delay", s.restartDelay);
    // State: on the heap, checkpointed to files under the cluster's folder.
    c.put("state.backend.type", "hashmap");
    c.put("state.checkpoints.dir", dir.resolve("checkpoints").toUri().toString());
    c.put("state.savepoints.dir", dir.resolve("savepoints").toUri().toString());
    c.put("state.checkpoints.num-retained", s.checkpointsRetained);
    c.put("execution.checkpointing.externalized-checkpoint-retention",
        "RETAIN_ON_CANCELLATION");
    // The JDBC driver registers itself with java.sql.DriverManager; loaded per job it would
    // pin every finished job's classes in memory.
    c.put("classloader.parent-first-patterns.additional", "org.postgresql.");
    c.putAll(s.extra);
    StringBuilder b = new StringBuilder();
    b.append("# Written by 'sluice flink start'. Read by the JobManager and TaskManagers started\n")
        .append("# from the same folder; edit and restart the cluster to change.\n");
    for (Map.Entry<String, String> e : c.entrySet()) {
      b.append(e.getKey()).append(": ").append(yamlValue(e.getValue())).append('\n');
    }
    return b.toString();
  }

  private static String yamlValue(String v) {
    if (v.matches("[A-Za-z0-9_./:,-]+( [a-z]+)?") && !v.startsWith("-")) {
      return v;
    }
    return "'" + v.replace("'", "''") + "'";
  }

  /** The flat keys of config.yaml. */
  static Map<String, String> read(Path configFile) {
    Map<String, String> c = new TreeMap<>();
    if (!Files.isRegularFile(configFile)) {
      return c;
    }
    try {
      for (String line : Files.readAllLines(configFile, StandardCharsets.UTF_8)) {
        if (line.startsWith("#") || !line.contains(": ")) {
          continue;
        }
        int i = line.indexOf(": ");
        String v = line.substring(i + 2).trim();
        if (v.startsWith("'") && v.endsWith("'") && v.length() >= 2) {
          v = v.substring(1, v.length() - 1).replace("''", "'");
        }
        c.put(line.substring(0, i).trim(), v);
      }
    } catch (IOException e) {
      throw new SluiceException("cannot read " + configFile + ": " + e.getMessage());
    }
    return c;
  }

  static List<String> jobManagerJvm(LocalFlinkCluster.Settings s) {
    return List.of("-Xms" + s.jobManagerHeap, "-Xmx" + s.jobManagerHeap,
        "-XX:MaxMetaspaceSize=256m");
  }

  /**
   * JVM limits that match the configuration, as Flink's scripts would set them: heap =
   * framework + task heap, direct = framework + task off-heap + network, metaspace.
   */
  static List<String> taskManagerJvm(Map<String, String> c) {
    long heap = megabytes(c.get("taskmanager.memory.framework.heap.size"))
        + megabytes(c.get("taskmanager.memory.task.heap.size"));
    long direct = megabytes(c.get("taskmanager.memory.framework.off-heap.size"))
        + megabytes(c.get("taskmanager.memory.task.off-heap.size"))
        + megabytes(c.get("taskmanager.memory.network.max"));
    long metaspace = megabytes(c.get("taskmanager.memory.jvm-metaspace.size"));
    return List.of("-Xms" + heap + "m", "-Xmx" + heap + "m",
        "-XX:MaxDirectMemorySize=" + direct + "m", "-XX:MaxMetaspaceSize=" + metaspace + "m");
  }

  /** Megabytes of a Flink memory size: {@code 512m}, {@code 1g}, {@code 256mb}, bytes. */
  static long megabytes(String size) {
    if (size == null) {
      throw new SluiceException("config.yaml lacks a TaskManager memory setting; start the"
          + " cluster again with sluice flink start");
    }
    var m = java.util.regex.Pattern.compile("(?i)\\s*(\\d+)\\s*([kmg]?)b?(ytes)?\\s*")
        .matcher(size);
    if (!m.matches()) {
      throw new SluiceException("not a memory size in config.yaml: " + size);
    }
    long n = Long.parseLong(m.group(1));
    switch (m.group(2).toLowerCase()) {
      case "g":
        return n * 1024;
      case "m":
        return n;
      case "k":
        return Math.max(1, n / 1024);
      default:
        return Math.max(1, n / (1024 * 1024));
    }
  }

}
