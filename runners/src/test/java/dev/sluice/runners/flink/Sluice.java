package dev.sluice.runners.flink;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code bin/sluice} in its own JVM, as a user would, and keeps what it printed. */
final class Sluice {
  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  final int exit;
  final String out;
  final String err;

  private Sluice(int exit, String out, String err) {
    this.exit = exit;
    this.out = out;
    this.err = err;
  }

  static Sluice run(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    File out = File.createTempFile("sluice-out", ".txt");
    File err = File.createTempFile("sluice-err", ".txt");
    try {
      Process p = start(env, out.toPath(), err.toPath(), args);
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("bin/sluice " + String.join(" ", args) + " did not end");
      }
      return new Sluice(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
          Files.readString(err.toPath(), StandardCharsets.UTF_8));
    } finally {
      out.delete();
      err.delete();
    }
  }

  /** Starts {@code bin/sluice} without waiting; its output goes to the given files. */
  static Process start(Map<String, String> env, Path out, Path err, String... args)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ROOT.resolve("bin/sluice").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
    pb.environment().put("SLUICE_NO_BUILD", "1");
    pb.environment().put("JAVA_OPTS", "-Xmx768m");
    pb.environment().remove("SLUICE_KEY_FILE");
    pb.environment().remove("SLUICE_KEYS");
    pb.environment().putAll(env);
    pb.redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    Process p = pb.start();
    p.getOutputStream().close();
    return p;
  }

  @Override
  public String toString() {
    return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
  }
}
