package dev.sluice.io.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.io.SluiceException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.PipelineResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} on 127.0.0.1 while a run goes: each scrape asks the runner for its
 * counters ({@link PrometheusText}). Loopback only: counters are not secret, but a run's port
 * is no business of the network; put a Prometheus on the same host or a tunnel in front.
 */
public final class MetricsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

  private final HttpServer http;

  private MetricsServer(HttpServer http) {
    this.http = http;
  }

  /** Starts serving; {@code port} 0 picks a free one. */
  public static MetricsServer start(int port, String feed, PipelineResult result) {
    if (port < 0 || port > 65535) {
      throw new SluiceException("--metricsPort=" + port + ": not a port (0 to 65535)");
    }
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
    } catch (IOException e) {
      throw new SluiceException("--metricsPort=" + port + ": cannot listen on 127.0.0.1 ("
          + e.getMessage() + ")");
    }
    http.createContext("/metrics", exchange -> serve(exchange, feed, result));
    http.createContext("/", exchange -> {
      exchange.sendResponseHeaders(404, -1);
      exchange.close();
    });
    http.start();
    return new MetricsServer(http);
  }

  private static void serve(HttpExchange exchange, String feed, PipelineResult result)
      throws IOException {
    try (exchange) {
      if (!exchange.getRequestMethod().equals("GET")) {
        exchange.sendResponseHeaders(405, -1);
        return;
      }
      byte[] body;
      try {
        body = PrometheusText.render(feed, result.metrics()).getBytes(StandardCharsets.UTF_8);
      } catch (RuntimeException e) {
        LOG.warn("metrics of feed {} cannot be read now: {}", feed, e.toString());
        exchange.sendResponseHeaders(503, -1);
        return;
      }
      exchange.getResponseHeaders().set("Content-Type", PrometheusText.CONTENT_TYPE);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    }
  }

  public int port() {
    return http.getAddress().getPort();
  }

  @Override
  public void close() {
    http.stop(0);
  }
}
