package dev.sluice.cli;

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
public final class Cli {
  public static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

  public final int exit;
  public final String out;
  public final String err;

  private Cli(int exit, String out, String err) {
    this.exit = exit;
    this.out = out;
    this.err = err;
  }

  public static Cli run(String... args) throws IOException, InterruptedException {
    return run(Map.of(), args);
  }

  /** Runs to the end (at most 10 minutes: a Flink run included). */
  public static Cli run(Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    File out = File.createTempFile("sluice-out", ".txt");
    File err = File.createTempFile("sluice-err", ".txt");
    try {
      Process p = start(env, out.toPath(), err.toPath(), args);
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("bin/sluice " + String.join(" ", args) + " did not end");
      }
      return new Cli(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
          Files.readString(err.toPath(), StandardCharsets.UTF_8));
    } finally {
      out.delete();
      err.delete();
    }
  }

  /** Starts {@code bin/sluice} without waiting, its output discarded: for kill tests. */
  public static Process start(Map<String, String> env, String... args) throws IOException {
    ProcessBuilder pb = command(env, args);
    pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectErrorStream(true);
    return pb.start();
  }

  /** Starts {@code bin/sluice} without waiting; its output goes to the given files. */
  public static Process start(Map<String, String> env, Path out, Path err, String... args)
      throws IOException {
    ProcessBuilder pb = command(env, args);
    pb.redirectOutput(out.toFile()).redirectError(err.toFile())
        .redirectInput(ProcessBuilder.Redirect.PIPE);
    Process p = pb.start();
    p.getOutputStream().close();
    return p;
  }

  /** The prebuilt jar, a modest heap, no key from the caller's environment, then {@code env}. */
  private static ProcessBuilder command(Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ROOT.resolve("bin/sluice").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
    pb.environment().put("SLUICE_NO_BUILD", "1");
    pb.environment().put("JAVA_OPTS", "-Xmx768m");
    pb.environment().remove("SLUICE_KEY_FILE");
    pb.environment().remove("SLUICE_KEYS");
    pb.environment().putAll(env);
    return pb;
  }

  @Override
  public String toString() {
    return "exit " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
  }
}
