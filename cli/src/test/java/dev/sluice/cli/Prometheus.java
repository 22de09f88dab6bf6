package dev.sluice.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.standins.LocalServices;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Prometheus server (Debian's {@code prometheus}, installed with apt-get when missing)
 * scraping one target every second, for checking queries against what it scraped.
 */
public final class Prometheus implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final Process process;
  private final int port;
  private final HttpClient http = HttpClient.newHttpClient();

  private Prometheus(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  /** Starts scraping {@code 127.0.0.1:target} as job {@code sluice}; ready when it answers. */
  public static Prometheus start(Path dir, int target) throws Exception {
    String bin = "/usr/bin/prometheus";
    if (!new File(bin).canExecute()) {
      run(List.of("apt-get", "update"), 600);
      run(List.of("apt-get", "install", "-y", "--no-install-recommends", "prometheus"), 1200);
    }
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
        + "scrape_configs:\n  - job_name: sluice\n    static_configs:\n"
        + "      - targets: [\"127.0.0.1:" + target + "\"]\n");
    int port = LocalServices.freePort();
    Process p = new ProcessBuilder(bin, "--config.file=" + config,
        "--storage.tsdb.path=" + dir.resolve("tsdb"),
        "--web.listen-address=127.0.0.1:" + port)
        .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile())
        .start();
    Prometheus prom = new Prometheus(p, port);
    for (int i = 0; i < 600 && p.isAlive(); i++) {
      try {
        if (prom.get("/-/ready").statusCode() == 200) {
          return prom;
        }
      } catch (IOException notYet) {
        // starting
      }
      p.waitFor(100, TimeUnit.MILLISECONDS);
    }
    prom.close();
    throw new IllegalStateException("prometheus did not start: "
        + Files.readString(dir.resolve("prometheus.log")));
  }

  /** An instant query at {@code epochSeconds}; the whole API answer. */
  public JsonNode query(String promQl, double epochSeconds) throws Exception {
    HttpResponse<String> r = get("/api/v1/query?query="
        + URLEncoder.encode(promQl, StandardCharsets.UTF_8) + "&time=" + epochSeconds);
    return MAPPER.readTree(r.body());
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static void run(List<String> cmd, int seconds) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " failed");
    }
  }
}
