package dev.sluice.devtools.flink;

import dev.sluice.cli.flink.FlinkRest;
import dev.sluice.cli.flink.FlinkRunSetup;

import dev.sluice.io.SluiceException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A standalone Flink 1.19 session cluster on this machine, built from the shaded jar: one
 * JobManager ({@code StandaloneSessionClusterEntrypoint}) and N TaskManagers
 * ({@code TaskManagerRunner}), each its own JVM. Everything lives under one folder:
 *
 * <pre>
 * DIR/conf/config.yaml        the cluster's configuration (ports, memory, checkpoints, restarts)
 * DIR/log/jobmanager.log      each JVM's output
 * DIR/log/taskmanager-N.log
 * DIR/pids/jobmanager.pid     each JVM's process id
 * DIR/pids/taskmanager-N.pid
 * DIR/checkpoints/            filesystem checkpoints (state backend: hashmap)
 * DIR/savepoints/             default savepoint target
 * DIR/tmp/                    io.tmp.dirs, blobs, uploaded jars
 * </pre>
 *
 * <p>The JVMs inherit this process's environment, so the AWS settings a job's workers need
 * ({@code AWS_REGION}, {@code AWS_ENDPOINT_URL_*}, credentials) are those of the shell that
 * started the cluster.
 *
 * <pre>{@code
 * LocalFlinkCluster c = LocalFlinkCluster.at(dir);
 * c.start(Settings.defaults().taskManagers(2).slots(2));   // returns once both have registered
 * c.rest().overview();
 * c.stop();
 * }</pre>
 */
public final class LocalFlinkCluster {
  static final String JOB_MANAGER_CLASS =
      "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
  static final String TASK_MANAGER_CLASS =
      "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

  /**
   * JVM flags Flink's own scripts pass on Java 17 (Kryo and Flink's serializers reach into
   * java.base).
   */
  static final List<String> JAVA17_OPENS = List.of(
      "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
      "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
      "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "--add-opens=java.base/java.net=ALL-UNNAMED",
      "--add-opens=java.base/java.io=ALL-UNNAMED",
      "--add-opens=java.base/java.nio=ALL-UNNAMED",
      "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
      "--add-opens=java.base/java.text=ALL-UNNAMED",
      "--add-opens=java.base/java.time=ALL-UNNAMED",
      "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
      "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

  private final Path dir;
  private final ClusterProcesses jvms;

  private LocalFlinkCluster(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
    this.jvms = new ClusterProcesses(this.dir);
  }

  /** The cluster kept under {@code dir} (which need not exist yet). */
  public static LocalFlinkCluster at(Path dir) {
    return new LocalFlinkCluster(dir);
  }

  public Path dir() {
    return dir;
  }

  Path conf() {
    return jvms.conf();
  }

  Path configFile() {
    return conf().resolve("config.yaml");
  }

  Path logDir() {
    return jvms.logDir();
  }

  Path pidDir() {
    return jvms.pidDir();
  }

  /** What a cluster is started with; every part has a default that suits a laptop. */
  public static final class Settings {
    int taskManagers = 1;
    int slots = 2;
    int restPort = 8081;
    boolean restPortGiven;
    int parallelism = 0;
    String taskHeap = "512m";
    String managed = "256m";
    String metaspace = "384m";
    String jobManagerHeap = "512m";
    String checkpointsRetained = "3";
    String restartDelay = "2 s";
    int maxFailuresPerInterval = 10;
    String failureInterval = "5 min";
    int startTimeoutSeconds = 120;
    final Map<String, String> extra = new TreeMap<>();

    public static Settings defaults() {
      return new Settings();
    }

    public Settings taskManagers(int n) {
      if (n < 1 || n > 16) {
        throw new SluiceException("--taskmanagers must be between 1 and 16, not " + n);
      }
      taskManagers = n;
      return this;
    }

    public Settings slots(int n) {
      if (n < 1 || n > 64) {
        throw new SluiceException("--slots must be between 1 and 64, not " + n);
      }
      slots = n;
      return this;
    }

    /** The REST port; 0 picks a free one. Without it, 8081 when free, else a free one. */
    public Settings restPort(int port) {
      if (port < 0 || port > 65535) {
        throw new SluiceException("--restPort must be a port number (0 for any free one)");
      }
      restPort = port;
      restPortGiven = true;
      return this;
    }

    /** Default job parallelism; 0 means taskmanagers x slots. */
    public Settings parallelism(int n) {
      if (n < 0) {
        throw new SluiceException("--parallelism must be at least 1");
      }
      parallelism = n;
      return this;
    }

    public Settings taskHeap(String size) {
      taskHeap = memorySize(size, "--taskHeap");
      return this;
    }

    /** Any other Flink setting, written into config.yaml as is (key: value). */
    public Settings set(String key, String value) {
      if (!key.matches("[a-zA-Z0-9_.-]+")) {
        throw new SluiceException("not a Flink configuration key: " + key);
      }
      extra.put(key, value);
      return this;
    }

    public Settings startTimeout(int seconds) {
      startTimeoutSeconds = seconds;
      return this;
    }

    private static String memorySize(String size, String option) {
      if (!size.matches("[0-9]+[mMgG]")) {
        throw new SluiceException(option + "=" + size + ": give a size such as 512m or 1g");
      }
      return size.toLowerCase();
    }
  }

  /**
   * Writes the configuration, starts the JobManager and the TaskManagers, and returns once the
   * REST API answers and every TaskManager has registered. Fails with one line (and stops what
   * it started) when something does not come up; the logs are under {@code DIR/log}.
   */
  public String start(Settings s) {
    if (isRunning()) {
      throw new SluiceException("a cluster is already running from " + dir + " (REST at "
          + restAddress() + "); stop it first: sluice flink stop --dir=" + dir);
    }
    int restPort = s.restPort;
    if (!s.restPortGiven) {
      restPort = Ports.portFree(8081) ? 8081 : Ports.freePort();
    } else if (restPort == 0) {
      restPort = Ports.freePort();
    } else if (!Ports.portFree(restPort)) {
      throw new SluiceException("--restPort=" + restPort + " is in use; pick another or 0 for"
          + " any free port");
    }
    try {
      for (Path p : List.of(conf(), logDir(), pidDir(), dir.resolve("tmp"),
          dir.resolve("checkpoints"), dir.resolve("savepoints"))) {
        Files.createDirectories(p);
      }
      jvms.clearOldPids();
      Files.writeString(configFile(), ClusterConfig.text(dir, s, restPort),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SluiceException("cannot write the cluster's folder " + dir + ": "
          + e.getMessage());
    }
    try {
      jvms.launch("jobmanager", JOB_MANAGER_CLASS, ClusterConfig.jobManagerJvm(s));
      // TaskManagers start alongside; they keep trying until the JobManager answers.
      for (int i = 1; i <= s.taskManagers; i++) {
        jvms.launch("taskmanager-" + i, TASK_MANAGER_CLASS,
            ClusterConfig.taskManagerJvm(readConfig()));
      }
      rest().awaitUp(s.startTimeoutSeconds * 1000L, () -> checkAlive("jobmanager"));
      List<String> names = new ArrayList<>();
      for (int i = 1; i <= s.taskManagers; i++) {
        names.add("taskmanager-" + i);
      }
      awaitTaskManagers(names, s.startTimeoutSeconds * 1000L);
    } catch (RuntimeException e) {
      stop();
      throw e;
    }
    return restAddress();
  }

  /** Starts one more TaskManager with the cluster's settings; returns its name. */
  public String addTaskManager() {
    if (!isRunning()) {
      throw new SluiceException("no cluster is running from " + dir
          + " (start one: sluice flink start --dir=" + dir + ")");
    }
    // A new name (and so a new resource id) even for a replacement: the JobManager may still
    // remember the one that died.
    int n = 1;
    while (Files.exists(pidDir().resolve("taskmanager-" + n + ".pid"))
        || Files.exists(logDir().resolve("taskmanager-" + n + ".log"))) {
      n++;
    }
    String name = "taskmanager-" + n;
    jvms.launch(name, TASK_MANAGER_CLASS, ClusterConfig.taskManagerJvm(readConfig()));
    awaitTaskManagers(List.of(name), Settings.defaults().startTimeoutSeconds * 1000L);
    return name;
  }

  /** Stops every JVM of the cluster: SIGTERM, then SIGKILL after ten seconds. */
  public List<String> stop() {
    List<String> stopped = new ArrayList<>();
    Map<String, ProcessHandle> procs = processes();
    // TaskManagers first, so the JobManager does not restart jobs onto them meanwhile.
    List<Map.Entry<String, ProcessHandle>> order = new ArrayList<>(procs.entrySet());
    order.sort((a, b) -> Boolean.compare(a.getKey().equals("jobmanager"),
        b.getKey().equals("jobmanager")));
    for (Map.Entry<String, ProcessHandle> e : order) {
      e.getValue().destroy();
    }
    for (Map.Entry<String, ProcessHandle> e : order) {
      ProcessHandle h = e.getValue();
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception timeout) {
        h.destroyForcibly();
        try {
          h.onExit().get(10, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // reported below as still alive
        }
      }
      if (!h.isAlive()) {
        stopped.add(e.getKey() + " (pid " + h.pid() + ")");
      }
    }
    jvms.clearOldPids();
    return stopped;
  }

  /** Kills one JVM of the cluster at once (SIGKILL), as a crash would. */
  public long kill(String name) {
    ProcessHandle h = processes().get(name);
    if (h == null) {
      throw new SluiceException("no running " + name + " in " + dir);
    }
    h.destroyForcibly();
    try {
      h.onExit().get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new SluiceException(name + " (pid " + h.pid() + ") did not die");
    }
    try {
      Files.deleteIfExists(pidDir().resolve(name + ".pid"));
    } catch (IOException e) {
      // harmless: a dead pid is skipped
    }
    return h.pid();
  }

  /** True when the JobManager of this folder is alive. */
  public boolean isRunning() {
    return processes().containsKey("jobmanager");
  }

  /** {@code localhost:PORT} of the REST API, from the configuration. */
  public String restAddress() {
    return "localhost:" + readConfig().getOrDefault("rest.port", "8081");
  }

  public FlinkRest rest() {
    return new FlinkRest(restAddress());
  }

  private void checkAlive(String name) {
    if (!processes().containsKey(name)) {
      throw new SluiceException(name + " exited during start-up; see "
          + logDir().resolve(name + ".log") + jvms.lastLogLine(name));
    }
  }

  /** Waits until every named TaskManager has registered (its resource id is its name). */
  private void awaitTaskManagers(List<String> names, long timeoutMillis) {
    FlinkRest rest = rest();
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      for (String name : names) {
        checkAlive(name);
      }
      checkAlive("jobmanager");
      Set<String> registered = new HashSet<>();
      try {
        rest.taskManagers().forEach(tm -> registered.add(tm.path("id").asText()));
      } catch (SluiceException e) {
        // not answering yet
      }
      if (registered.containsAll(names)) {
        return;
      }
      if (System.currentTimeMillis() > deadline) {
        List<String> missing = new ArrayList<>(names);
        missing.removeAll(registered);
        throw new SluiceException(String.join(", ", missing) + " did not register with the"
            + " JobManager within " + timeoutMillis / 1000 + " s; see " + logDir());
      }
      FlinkRest.sleep(250);
    }
  }

  /** Live JVMs of this cluster by name ({@code jobmanager}, {@code taskmanager-N}). */
  public Map<String, ProcessHandle> processes() {
    return jvms.live();
  }

  /** The flat keys of config.yaml. */
  Map<String, String> readConfig() {
    return ClusterConfig.read(configFile());
  }

  /** The jar the cluster's JVMs start from and a job ships: the job jar (see {@link FlinkRunSetup#shadedJar}). */
  public static Optional<Path> shadedJar() {
    return FlinkRunSetup.shadedJar();
  }
}
