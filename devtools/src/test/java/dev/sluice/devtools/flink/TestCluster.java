package dev.sluice.devtools.flink;


import dev.sluice.cli.flink.FlinkRest;
import dev.sluice.cli.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A Flink cluster for a test class, started with {@code bin/sluice flink start} (separate
 * JVMs) under {@code devtools/target/flink-it/<name>}, where its logs stay for a look after a
 * failure. Stopped by {@link #close()} and, should the test JVM end first, by a shutdown hook.
 */
final class TestCluster implements AutoCloseable {
  final LocalFlinkCluster cluster;
  final String address;
  final Map<String, String> env;
  private final Thread hook;

  private TestCluster(LocalFlinkCluster cluster, String address, Map<String, String> env,
      Thread hook) {
    this.cluster = cluster;
    this.address = address;
    this.env = env;
    this.hook = hook;
  }

  /** Starts {@code taskManagers} x {@code slots} with {@code env} (inherited by every JVM). */
  static TestCluster start(String name, int taskManagers, int slots, Map<String, String> env)
      throws Exception {
    Path dir = Cli.ROOT.resolve("devtools/target/flink-it").resolve(name);
    LocalFlinkCluster c = LocalFlinkCluster.at(dir);
    c.stop();
    deleteTree(dir);
    Thread hook = new Thread(() -> killAll(c));
    Runtime.getRuntime().addShutdownHook(hook);
    long t0 = System.nanoTime();
    Cli start = Cli.run(env, "flink", "start", "--dir=" + dir,
        "--taskmanagers=" + taskManagers, "--slots=" + slots, "--restPort=0");
    if (start.exit != 0) {
      killAll(c);
      throw new IllegalStateException("flink start failed: " + start);
    }
    System.out.printf("[flink-it] %s: cluster of %d TaskManagers up in %.1f s at %s%n", name,
        taskManagers, (System.nanoTime() - t0) / 1e9, start.out.trim());
    return new TestCluster(c, start.out.trim(), env, hook);
  }

  FlinkRest rest() {
    return new FlinkRest(address);
  }

  Path dir() {
    return cluster.dir();
  }

  @Override
  public void close() {
    killAll(cluster);
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // shutting down already
    }
  }

  /** SIGKILL to every JVM of the cluster: nothing to save in a test. */
  static void killAll(LocalFlinkCluster c) {
    for (String name : c.processes().keySet()) {
      try {
        c.kill(name);
      } catch (RuntimeException e) {
        // already gone
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
