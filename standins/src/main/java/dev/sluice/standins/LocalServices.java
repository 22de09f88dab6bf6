package dev.sluice.standins;

import dev.sluice.io.SluiceException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;

/** Starts the local stand-ins of the sandbox: each returns something to close. */
public final class LocalServices {
  public static final String ACCESS_KEY = "sandbox";
  public static final String SECRET_KEY = "sandbox-secret";

  private LocalServices() {}

  /** S3Proxy in-process; objects are files under {@code dir/<bucket>/<key>} (or in memory). */
  public static final class S3 implements AutoCloseable {
    private final BlobStoreContext context;
    private final S3Proxy proxy;

    S3(BlobStoreContext context, S3Proxy proxy) {
      this.context = context;
      this.proxy = proxy;
    }

    public static S3 start(Path dir, int port) {
      try {
        BlobStoreContext context;
        if (dir == null) {
          context = ContextBuilder.newBuilder("transient").credentials("id", "secret")
              .build(BlobStoreContext.class);
        } else {
          Files.createDirectories(dir);
          Properties p = new Properties();
          p.setProperty("jclouds.filesystem.basedir", dir.toAbsolutePath().toString());
          context = ContextBuilder.newBuilder("filesystem").credentials("id", "secret")
              .overrides(p).build(BlobStoreContext.class);
        }
        S3Proxy proxy = S3Proxy.builder()
            .blobStore(context.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:" + port))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .ignoreUnknownHeaders(true)
            .build();
        proxy.start();
        long deadline = System.currentTimeMillis() + 30_000;
        while (!"STARTED".equals(proxy.getState())) {
          if (System.currentTimeMillis() > deadline || "FAILED".equals(proxy.getState())) {
            throw new SluiceException("S3Proxy did not start on port " + port);
          }
          Thread.sleep(50);
        }
        return new S3(context, proxy);
      } catch (SluiceException e) {
        throw e;
      } catch (Exception e) {
        throw new SluiceException("cannot start S3Proxy on port " + port + ": " + e.getMessage());
      }
    }

    public int port() {
      return proxy.getPort();
    }

    public String endpoint() {
      return "http://127.0.0.1:" + proxy.getPort();
    }

    public BlobStoreContext context() {
      return context;
    }

    @Override
    public void close() {
      try {
        proxy.stop();
      } catch (Exception e) {
        // Stopping is best effort; the JVM is going away or the test is over.
      } finally {
        context.close();
      }
    }
  }

  /** ElasticMQ in-process. Its threads are not daemons: always close it. */
  public static final class Sqs implements AutoCloseable {
    private final SQSRestServer server;
    private final int port;

    Sqs(SQSRestServer server, int port) {
      this.server = server;
      this.port = port;
    }

    public static Sqs start(int port) {
      try {
        SQSRestServer server =
            SQSRestServerBuilder.withPort(port).withInterface("127.0.0.1").start();
        server.waitUntilStarted();
        return new Sqs(server, port);
      } catch (RuntimeException e) {
        throw new SluiceException("cannot start ElasticMQ on port " + port + ": "
            + e.getMessage());
      }
    }

    public String endpoint() {
      return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
      server.stopAndWait();
    }
  }

  /** A real Postgres from Maven (zonky), on a fixed port, data kept under a folder. */
  public static EmbeddedPostgres postgres(Path dataDir, int port) {
    try {
      EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setPort(port);
      if (dataDir != null) {
        Files.createDirectories(dataDir);
        b.setDataDirectory(dataDir).setCleanDataDirectory(false);
      }
      return b.start();
    } catch (IOException e) {
      throw new SluiceException("cannot start the embedded Postgres on port " + port + ": "
          + e.getMessage());
    }
  }

  public static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new SluiceException("no free port: " + e.getMessage());
    }
  }
}
