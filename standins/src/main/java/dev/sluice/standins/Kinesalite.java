package dev.sluice.standins;

import dev.sluice.io.SluiceException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Kinesis API server (kinesalite, from npm) in a child process. It is installed into a
 * tools folder on first use with the machine's npm, so a clean checkout needs nothing by hand.
 * Kinesis clients talking to it must not use CBOR ({@code -Daws.cborEnabled=false}).
 */
public final class Kinesalite implements AutoCloseable {
  public static final String VERSION = "3.3.3";

  private final Process process;
  private final int port;

  private Kinesalite(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Installs kinesalite under {@code toolsDir} unless it is there already. */
  public static Path install(Path toolsDir) {
    Path bin = toolsDir.resolve("node_modules/.bin/kinesalite");
    if (Files.isExecutable(bin)) {
      return bin;
    }
    try {
      Files.createDirectories(toolsDir);
      Process npm = new ProcessBuilder("npm", "install", "--no-package-lock", "--no-save",
          "--no-audit", "--no-fund", "--loglevel=error", "--prefix", toolsDir.toString(),
          "kinesalite@" + VERSION)
          .redirectErrorStream(true)
          .redirectOutput(toolsDir.resolve("npm-install.log").toFile())
          .start();
      if (!npm.waitFor(10, TimeUnit.MINUTES) || npm.exitValue() != 0) {
        npm.destroyForcibly();
        throw new SluiceException("npm could not install kinesalite@" + VERSION + " (see "
            + toolsDir.resolve("npm-install.log") + ")");
      }
    } catch (IOException e) {
      throw new SluiceException("cannot run npm to install kinesalite: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SluiceException("interrupted while installing kinesalite");
    }
    if (!Files.isExecutable(bin)) {
      throw new SluiceException("kinesalite was not installed at " + bin);
    }
    return bin;
  }

  public static Kinesalite start(Path toolsDir, int port, Path log) {
    Path bin = install(toolsDir);
    try {
      Process p = new ProcessBuilder(List.of(bin.toString(), "--port", Integer.toString(port),
          "--createStreamMs", "0", "--deleteStreamMs", "0", "--updateStreamMs", "0",
          "--shardLimit", "1000"))
          .redirectErrorStream(true)
          .redirectOutput(log == null ? ProcessBuilder.Redirect.DISCARD
              : ProcessBuilder.Redirect.to(log.toFile()))
          .start();
      Kinesalite k = new Kinesalite(p, port);
      Runtime.getRuntime().addShutdownHook(new Thread(k::close));
      k.awaitPort();
      return k;
    } catch (IOException e) {
      throw new SluiceException("cannot start kinesalite: " + e.getMessage());
    }
  }

  private void awaitPort() {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new SluiceException("kinesalite exited at start (is port " + port + " free?)");
      }
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        return;
      } catch (IOException e) {
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    close();
    throw new SluiceException("kinesalite did not listen on port " + port + " within 30 s");
  }

  public int port() {
    return port;
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /** The tools folder: {@code SLUICE_TOOLS}, else {@code .sluice/tools} under the checkout. */
  public static Path defaultToolsDir() {
    String env = System.getenv("SLUICE_TOOLS");
    if (env != null && !env.isEmpty()) {
      return Path.of(env, "kinesalite");
    }
    String home = System.getProperty("sluice.home", ".");
    return Path.of(home, ".sluice", "tools", "kinesalite").toAbsolutePath().normalize();
  }

}
