package dev.sluice.devtools.flink;

import dev.sluice.io.SluiceException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Ports of this machine for a cluster's JVMs. */
final class Ports {
  private Ports() {}

  /** A port nobody listens on now, chosen by the system. */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new SluiceException("no free port: " + e.getMessage());
    }
  }

  static boolean portFree(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.setReuseAddress(false);
      s.bind(new InetSocketAddress("localhost", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
