package dev.sluice.cli.flink;


import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.sluice.io.SluiceException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

/**
 * How FlinkRest treats a JobManager that answers 500 for a while, which a real cluster does
 * only now and then during a restart: a stand-in HTTP server plays it on demand.
 */
public class FlinkRestTest {
  private HttpServer server;
  private final AtomicInteger failuresLeft = new AtomicInteger();
  private final List<String> methods = new ArrayList<>();

  @Before
  public void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      synchronized (methods) {
        methods.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
      }
      boolean fail = failuresLeft.getAndDecrement() > 0;
      byte[] body = (fail
          ? "{\"errors\":[\"Internal server error.\\n\\tat some.Frame(Frame.java:1)\"]}"
          : "{\"taskmanagers\":2,\"slots-total\":4}").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(fail ? 500 : 200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @After
  public void stop() {
    server.stop(0);
  }

  private FlinkRest rest() {
    return new FlinkRest("127.0.0.1:" + server.getAddress().getPort());
  }

  @Test
  public void getIsAskedAgainWhileTheServerAnswers500() {
    failuresLeft.set(2);
    assertEquals(2, rest().overview().path("taskmanagers").asInt());
    assertEquals(List.of("GET /overview", "GET /overview", "GET /overview"), methods);
  }

  @Test
  public void getGivesUpAfterItsAttemptsWithOneLine() {
    failuresLeft.set(100);
    SluiceException e = assertThrows(SluiceException.class, () -> rest().overview());
    assertEquals(FlinkRest.GET_ATTEMPTS, methods.size());
    assertTrue(e.getMessage(), e.getMessage().contains("answered 500: Internal server error."));
    assertTrue(e.getMessage(), !e.getMessage().contains("\n"));
  }

  @Test
  public void postIsNeverRepeated() {
    failuresLeft.set(1);
    String jobId = "0123456789abcdef0123456789abcdef";
    assertThrows(SluiceException.class,
        () -> rest().savepoint(jobId, null, false, java.time.Duration.ofSeconds(5)));
    assertEquals(List.of("POST /jobs/" + jobId + "/savepoints"), methods);
  }
}
