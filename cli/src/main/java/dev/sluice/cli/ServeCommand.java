package dev.sluice.cli;

import dev.sluice.io.SluiceException;
import dev.sluice.lake.LakeDatabase;
import dev.sluice.lake.LoadsServer;
import java.io.PrintStream;
import java.sql.Connection;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice serve}: the load log's REST API, {@code GET /loads?table=T&since=ISO}. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Serve GET /loads?table=T&since=ISO (JSON, newest first) until stopped.")
final class ServeCommand implements Callable<Integer> {
  private final PrintStream out;

  @Option(names = "--jdbcUrl", required = true,
      description = "JDBC URL of the database holding the load log. The password may come from"
          + " SLUICE_JDBC_PASSWORD.")
  String jdbcUrl;

  @Option(names = "--port", defaultValue = "8080",
      description = "Port to listen on (default 8080; 0 picks a free one).")
  int port;

  @Option(names = "--host", defaultValue = "127.0.0.1",
      description = "Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).")
  String host;

  @Option(names = "--logSchema", defaultValue = "public",
      description = "Database schema of the load log (default public).")
  String logSchema;

  ServeCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws InterruptedException {
    if (port < 0 || port > 65535) {
      throw new SluiceException("--port=" + port + ": not a port number (0 to 65535)");
    }
    LakeDatabase db = LakeDatabase.of(jdbcUrl);
    try (Connection c = db.connect()) {
      // Reachable: requests will be answered (or get a 503 if it goes away later).
    } catch (java.sql.SQLException e) {
      throw new SluiceException(db.describe(e));
    }
    LoadsServer server = LoadsServer.start(db, logSchema, host, port);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stopped.countDown();
    }));
    out.println("sluice serve: GET http://" + host + ":" + server.port()
        + "/loads?table=T&since=ISO (load log of " + db.displayUrl() + "; Ctrl-C stops)");
    out.flush();
    stopped.await();
    return SluiceCli.OK;
  }
}
