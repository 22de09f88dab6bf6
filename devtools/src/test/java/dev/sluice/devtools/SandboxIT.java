package dev.sluice.devtools;


import dev.sluice.cli.Cli;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import dev.sluice.standins.LocalServices;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** {@code sluice sandbox}: every stand-in listens, endpoints.env says where, Ctrl-C stops all. */
public class SandboxIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The four servers come up on the asked ports and are all gone after SIGTERM. */
  @Test
  public void startsAllAndStopsAllOnInterrupt() throws Exception {
    Path dir = tmp.getRoot().toPath().resolve("sandbox");
    int s3 = LocalServices.freePort();
    int sqs = LocalServices.freePort();
    int kinesis = LocalServices.freePort();
    int pg = LocalServices.freePort();
    Process p = Cli.start(Map.of("SLUICE_TOOLS", Cli.ROOT.resolve(".sluice/tools").toString()),
        "sandbox", "--dir=" + dir, "--s3Port=" + s3, "--sqsPort=" + sqs,
        "--kinesisPort=" + kinesis, "--pgPort=" + pg);
    try {
      Path env = dir.resolve("endpoints.env");
      long deadline = System.currentTimeMillis() + 180_000;
      while (!Files.exists(env) && p.isAlive() && System.currentTimeMillis() < deadline) {
        TimeUnit.MILLISECONDS.sleep(200);
      }
      assertTrue("sandbox did not write endpoints.env", Files.exists(env));
      String text = Files.readString(env);
      for (int port : List.of(s3, sqs, kinesis, pg)) {
        assertTrue("port " + port + " in endpoints.env", text.contains(":" + port));
        assertTrue("port " + port + " listens", listening(port));
      }
      assertTrue(text.contains("AWS_ENDPOINT_URL_KINESIS=http://127.0.0.1:" + kinesis));
      assertTrue(Files.isDirectory(dir.resolve("s3/lake")));
      List<ProcessHandle> children = p.descendants().toList();
      p.destroy();
      assertTrue("sandbox did not stop on SIGTERM", p.waitFor(60, TimeUnit.SECONDS));
      assertEquals(143, p.exitValue());
      for (int port : List.of(s3, sqs, kinesis, pg)) {
        assertFalse("port " + port + " still listens", listening(port));
      }
      for (ProcessHandle c : children) {
        c.onExit().get(30, TimeUnit.SECONDS);
        assertFalse("child " + c.pid() + " outlived the sandbox", c.isAlive());
      }
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }
}
