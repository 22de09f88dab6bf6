package dev.sluice.runners;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs {@code bin/sluice} as a user would, in its own JVM, and keeps what it printed. */
final class Cli {
  static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  final int exit;
  final String out;
  final String err;

  private Cli(int exit, String out, String err) {
    this.exit = exit;
    this.out = out;
    this.err = err;
  }

  static Cli run(String... args) throws IOException, InterruptedException {
    return run(Map.of(), args);
  }

  static Cli run(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ROOT.resolve("bin/sluice").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
    pb.environment().put("SLUICE_NO_BUILD", "1");
    pb.environment().put("JAVA_OPTS", "-Xmx768m");
    pb.environment().remove("SLUICE_KEY_FILE");
    pb.environment().remove("SLUICE_KEYS");
    pb.environment().putAll(env);
    File out = File.createTempFile("sluice-out", ".txt");
    File err = File.createTempFile("sluice-err", ".txt");
    pb.redirectOutput(out).redirectError(err).redirectInput(ProcessBuilder.Redirect.PIPE);
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("bin/sluice " + String.join(" ", args) + " did not end");
    }
    Cli r = new Cli(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
        Files.readString(err.toPath(), StandardCharsets.UTF_8));
    out.delete();
    err.delete();
    return r;
  }

  /** Starts {@code bin/sluice} without waiting, its output discarded: for kill tests. */
  static Process start(Map<String, String> env, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ROOT.resolve("bin/sluice").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
    pb.environment().put("SLUICE_NO_BUILD", "1");
    pb.environment().put("JAVA_OPTS", "-Xmx768m");
    pb.environment().putAll(env);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
    return pb.start();
  }

  @Override
  public String toString() {
    return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
  }
}
