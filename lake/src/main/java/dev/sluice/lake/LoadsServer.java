package dev.sluice.lake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.sluice.io.SluiceException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The load log over HTTP, on the JDK's own server:
 *
 * <pre>
 * GET /loads?table=user_data&amp;since=2024-03-01T00:00:00Z   -&gt; 200, JSON rows newest first
 * GET /loads?since=yesterday                                  -&gt; 400 {"error": "since ..."}
 * </pre>
 *
 * <p>Parameters: {@code table} (or the seed API's {@code table_name}), {@code db}, {@code since}
 * (ISO-8601 time or date, compared with the processed time), {@code landed_timestamp} (the same,
 * compared with the time the object landed), {@code limit} (default 1000, at most 10000); all
 * optional; a time outside years 1 to 9999 is a 400. An unknown
 * table gives {@code []}. A database that does not answer gives a 503 whose message names the
 * server without its password.
 *
 * <pre>{@code try (LoadsServer s = LoadsServer.start(db, "public", "127.0.0.1", 8080)) { ... } }</pre>
 */
public final class LoadsServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LoadsServer.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final HttpServer server;
  private final ExecutorService executor;
  private final LakeDatabase db;
  private final LoadLog log;

  private LoadsServer(HttpServer server, ExecutorService executor, LakeDatabase db,
      LoadLog log) {
    this.server = server;
    this.executor = executor;
    this.db = db;
    this.log = log;
  }

  /** Binds {@code host:port} (port 0 picks a free one) and starts answering. */
  public static LoadsServer start(LakeDatabase db, String logSchema, String host, int port) {
    LoadLog log = new LoadLog(logSchema,
        LakeDialect.named(db.isRedshiftUrl() ? "redshift" : "postgres"));
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 50);
    } catch (IOException e) {
      throw new SluiceException("cannot listen on " + host + ":" + port + " ("
          + e.getMessage() + ")");
    } catch (IllegalArgumentException e) {
      throw new SluiceException("--port=" + port + ": not a port number (0 to 65535)");
    }
    ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "sluice-loads-http");
      t.setDaemon(true);
      return t;
    });
    LoadsServer s = new LoadsServer(server, executor, db, log);
    server.createContext("/", s::handle);
    server.setExecutor(executor);
    server.start();
    return s;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String path = ex.getRequestURI().getPath();
      if (!"/loads".equals(path)) {
        send(ex, 404, error("no such path; ask GET /loads?table=T&since=ISO"));
        return;
      }
      if (!"GET".equals(ex.getRequestMethod())) {
        ex.getResponseHeaders().set("Allow", "GET");
        send(ex, 405, error("only GET is supported"));
        return;
      }
      LoadsQuery q;
      try {
        q = LoadsQuery.fromParameters(parameters(ex.getRequestURI().getRawQuery()));
      } catch (IllegalArgumentException e) {
        send(ex, 400, error(e.getMessage()));
        return;
      }
      List<LoadRecord> rows;
      try (Connection c = db.connect()) {
        rows = log.exists(c) ? log.query(c, q) : List.of();
      } catch (SluiceException e) {
        send(ex, 503, error(e.getMessage()));
        return;
      } catch (SQLException e) {
        send(ex, 503, error(db.describe(e)));
        return;
      }
      ArrayNode out = MAPPER.createArrayNode();
      rows.forEach(r -> out.add(r.toJson()));
      send(ex, 200, MAPPER.writeValueAsBytes(out));
    } catch (RuntimeException e) {
      LOG.warn("GET /loads failed: {}", e.toString());
      throw e;
    }
  }

  /** Decodes a raw query string; a repeated or undecodable parameter is a bad request. */
  static Map<String, String> parameters(String rawQuery) {
    Map<String, String> out = new LinkedHashMap<>();
    if (rawQuery == null || rawQuery.isEmpty()) {
      return out;
    }
    for (String pair : rawQuery.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name;
      String value;
      try {
        name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
        value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the query string is not properly percent-encoded");
      }
      if (out.put(name, value) != null) {
        throw new IllegalArgumentException("parameter '" + Shown.safe(name)
            + "' is given more than once");
      }
    }
    return out;
  }

  private static byte[] error(String message) {
    return MAPPER.createObjectNode().put("error", message).toString()
        .getBytes(StandardCharsets.UTF_8);
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
