package dev.sluice.devtools.flink;

import dev.sluice.cli.flink.FlinkRest;
import dev.sluice.cli.flink.FlinkRunSetup;

import dev.sluice.io.SluiceException;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

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

  private LocalFlinkCluster(Path dir) {
    this.dir = dir.toAbsolutePath().normalize();
  }

  /** The cluster kept under {@code dir} (which need not exist yet). */
  public static LocalFlinkCluster at(Path dir) {
    return new LocalFlinkCluster(dir);
  }

  public Path dir() {
    return dir;
  }

  Path conf() {
    return dir.resolve("conf");
  }

  Path configFile() {
    return conf().resolve("config.yaml");
  }

  Path logDir() {
    return dir.resolve("log");
  }

  Path pidDir() {
    return dir.resolve("pids");
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
      restPort = portFree(8081) ? 8081 : freePort();
    } else if (restPort == 0) {
      restPort = freePort();
    } else if (!portFree(restPort)) {
      throw new SluiceException("--restPort=" + restPort + " is in use; pick another or 0 for"
          + " any free port");
    }
    try {
      for (Path p : List.of(conf(), logDir(), pidDir(), dir.resolve("tmp"),
          dir.resolve("checkpoints"), dir.resolve("savepoints"))) {
        Files.createDirectories(p);
      }
      clearOldPids();
      Files.writeString(configFile(), config(s, restPort), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SluiceException("cannot write the cluster's folder " + dir + ": "
          + e.getMessage());
    }
    try {
      launch("jobmanager", JOB_MANAGER_CLASS, jobManagerJvm(s));
      // TaskManagers start alongside; they keep trying until the JobManager answers.
      for (int i = 1; i <= s.taskManagers; i++) {
        launch("taskmanager-" + i, TASK_MANAGER_CLASS, taskManagerJvm(readConfig()));
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
    launch(name, TASK_MANAGER_CLASS, taskManagerJvm(readConfig()));
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
    clearOldPids();
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

  /** Live JVMs of this cluster by name ({@code jobmanager}, {@code taskmanager-N}). */
  public Map<String, ProcessHandle> processes() {
    Map<String, ProcessHandle> live = new TreeMap<>();
    if (!Files.isDirectory(pidDir())) {
      return live;
    }
    try (Stream<Path> files = Files.list(pidDir())) {
      for (Path f : files.filter(p -> p.toString().endsWith(".pid")).toList()) {
        String name = f.getFileName().toString().replace(".pid", "");
        long pid;
        try {
          pid = Long.parseLong(Files.readString(f).trim());
        } catch (IOException | NumberFormatException e) {
          continue;
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid);
        if (h.isPresent() && h.get().isAlive() && isOurs(h.get())) {
          live.put(name, h.get());
        }
      }
    } catch (IOException e) {
      throw new SluiceException("cannot read " + pidDir() + ": " + e.getMessage());
    }
    return live;
  }

  /** A pid file may outlive its process, and the pid be reused: check the command line. */
  private boolean isOurs(ProcessHandle h) {
    Optional<String[]> args = h.info().arguments();
    if (args.isEmpty()) {
      // Not allowed to see it: not a process we started.
      return false;
    }
    String marker = "-Dsluice.flink.dir=" + dir;
    for (String a : args.get()) {
      if (a.equals(marker)) {
        return true;
      }
    }
    return false;
  }

  private void clearOldPids() {
    if (!Files.isDirectory(pidDir())) {
      return;
    }
    Map<String, ProcessHandle> live = processes();
    try (Stream<Path> files = Files.list(pidDir())) {
      for (Path f : files.toList()) {
        String name = f.getFileName().toString().replace(".pid", "");
        if (!live.containsKey(name)) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      throw new SluiceException("cannot clean " + pidDir() + ": " + e.getMessage());
    }
  }

  private void checkAlive(String name) {
    if (!processes().containsKey(name)) {
      throw new SluiceException(name + " exited during start-up; see "
          + logDir().resolve(name + ".log") + lastLogLine(name));
    }
  }

  private String lastLogLine(String name) {
    Path log = logDir().resolve(name + ".log");
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      for (int i = lines.size() - 1; i >= 0; i--) {
        String l = lines.get(i).trim();
        if (l.contains("Exception") || l.contains("ERROR") || l.contains("Error")) {
          return " (" + (l.length() > 300 ? l.substring(0, 300) + "..." : l) + ")";
        }
      }
    } catch (IOException e) {
      // no log: nothing to add
    }
    return "";
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

  private List<String> jobManagerJvm(Settings s) {
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

  private void launch(String name, String mainClass, List<String> memory) {
    List<String> cmd = new ArrayList<>();
    Path setsid = Path.of("/usr/bin/setsid");
    if (Files.isExecutable(setsid)) {
      // Its own session: a Ctrl-C or a closed terminal of the shell that started the cluster
      // does not reach it.
      cmd.add(setsid.toString());
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(memory);
    cmd.add("-XX:+UseG1GC");
    cmd.addAll(JAVA17_OPENS);
    cmd.add("-Dsluice.flink.dir=" + dir);
    cmd.add("-Daws.cborEnabled=false");
    cmd.add("-Duser.timezone=UTC");
    cmd.add("-Dlog.file=" + logDir().resolve(name + ".log"));
    cmd.add("-Dorg.slf4j.simpleLogger.log.org.apache.flink=info");
    cmd.add("-Dorg.slf4j.simpleLogger.log.org.apache.beam=info");
    cmd.add("-Dorg.slf4j.simpleLogger.log.org.apache.flink.runtime.checkpoint=info");
    cmd.add("-Dorg.slf4j.simpleLogger.showThreadName=true");
    cmd.add("-cp");
    cmd.add(classpath());
    cmd.add(mainClass);
    cmd.add("--configDir");
    cmd.add(conf().toString());
    if (mainClass.equals(TASK_MANAGER_CLASS)) {
      // The REST API then names each TaskManager as its pid and log files do.
      cmd.add("-Dtaskmanager.resource-id=" + name);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd)
        .directory(dir.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logDir().resolve(name + ".log").toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().put("CBOR_ENABLED", "false");
    pb.environment().put("FLINK_CONF_DIR", conf().toString());
    Process p;
    try {
      p = pb.start();
      Files.writeString(pidDir().resolve(name + ".pid"), Long.toString(p.pid()) + "\n");
    } catch (IOException e) {
      throw new SluiceException("cannot start the " + name + " JVM: " + e.getMessage());
    }
  }

  /**
   * The cluster's JVMs run from the job jar, so a job submitted to them finds the same classes;
   * without one (a test run from classes) they take this JVM's class path.
   */
  static String classpath() {
    return shadedJar().map(Path::toString).orElse(System.getProperty("java.class.path"));
  }

  /** The jar the cluster's JVMs start from and a job ships: the job jar (see {@link FlinkRunSetup#shadedJar}). */
  public static Optional<Path> shadedJar() {
    return FlinkRunSetup.shadedJar();
  }

  /** config.yaml: flat keys, one per line, as Flink 1.19 reads them. */
  String config(Settings s, int restPort) {
    int jmRpc = freePort();
    int blob = freePort();
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
  Map<String, String> readConfig() {
    Map<String, String> c = new TreeMap<>();
    if (!Files.isRegularFile(configFile())) {
      return c;
    }
    try {
      for (String line : Files.readAllLines(configFile(), StandardCharsets.UTF_8)) {
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
      throw new SluiceException("cannot read " + configFile() + ": " + e.getMessage());
    }
    return c;
  }

  /** A port nobody listens on now, chosen by the system. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new SluiceException("no free port: " + e.getMessage());
    }
  }

  static boolean portFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress("localhost", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
