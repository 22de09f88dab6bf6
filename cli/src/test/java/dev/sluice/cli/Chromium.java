package dev.sluice.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Headless Chromium (Debian's {@code chromium}) for page checks: installed with apt-get when
 * missing, run with a fresh profile and nothing that phones home.
 */
public final class Chromium {
  private Chromium() {}

  /** The browser's path; installs Debian's package when there is none. */
  public static String ensure() throws IOException, InterruptedException {
    for (String p : new String[] {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
      if (new File(p).canExecute()) {
        return p;
      }
    }
    run(List.of("apt-get", "update"), 600);
    run(List.of("apt-get", "install", "-y", "--no-install-recommends", "chromium"), 1200);
    if (!new File("/usr/bin/chromium").canExecute()) {
      throw new IllegalStateException("apt-get installed no /usr/bin/chromium");
    }
    return "/usr/bin/chromium";
  }

  /** The DOM after the page's scripts ran. */
  public static String dumpDom(Path page) throws IOException, InterruptedException {
    return browse(page, "--dump-dom");
  }

  /** A PNG of the page as a 1000 px wide window shows it. */
  public static void screenshot(Path page, Path png, int height)
      throws IOException, InterruptedException {
    browse(page, "--screenshot=" + png.toAbsolutePath(), "--window-size=1000," + height,
        "--hide-scrollbars");
  }

  private static String browse(Path page, String... what)
      throws IOException, InterruptedException {
    Path profile = Files.createTempDirectory("chromium-profile");
    try {
      List<String> cmd = new ArrayList<>(List.of(ensure(), "--headless", "--no-sandbox",
          "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
          "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile));
      cmd.addAll(List.of(what));
      cmd.add(page.toUri().toString());
      return run(cmd, 120);
    } finally {
      try (var s = Files.walk(profile)) {
        s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static String run(List<String> cmd, int seconds)
      throws IOException, InterruptedException {
    File out = File.createTempFile("chromium-out", ".txt");
    try {
      Process p = new ProcessBuilder(cmd).redirectOutput(out)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(String.join(" ", cmd) + " did not end");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(cmd.get(0) + " exited " + p.exitValue());
      }
      return Files.readString(out.toPath(), StandardCharsets.UTF_8);
    } finally {
      out.delete();
    }
  }
}
