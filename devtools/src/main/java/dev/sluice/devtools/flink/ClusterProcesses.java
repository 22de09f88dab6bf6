package dev.sluice.devtools.flink;

import dev.sluice.io.SluiceException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The JVMs of a {@link LocalFlinkCluster}: how each is launched (from the job jar, in its own
 * session, its output in {@code DIR/log}) and found again by its pid file under
 * {@code DIR/pids}, checked against its command line, since a pid may be reused.
 */
final class ClusterProcesses {
  private final Path dir;

  ClusterProcesses(Path dir) {
    this.dir = dir;
  }

  Path conf() {
    return dir.resolve("conf");
  }

  Path logDir() {
    return dir.resolve("log");
  }

  Path pidDir() {
    return dir.resolve("pids");
  }

  /** Live JVMs by name ({@code jobmanager}, {@code taskmanager-N}). */
  Map<String, ProcessHandle> live() {
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

  void clearOldPids() {
    if (!Files.isDirectory(pidDir())) {
      return;
    }
    Map<String, ProcessHandle> live = live();
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

  String lastLogLine(String name) {
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

  void launch(String name, String mainClass, List<String> memory) {
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
    cmd.addAll(LocalFlinkCluster.JAVA17_OPENS);
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
    if (mainClass.equals(LocalFlinkCluster.TASK_MANAGER_CLASS)) {
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
    return LocalFlinkCluster.shadedJar().map(Path::toString)
        .orElse(System.getProperty("java.class.path"));
  }
}
