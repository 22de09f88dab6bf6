package dev.sluice.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Reads every file of an output folder as text, gunzipping what is gzipped. */
final class OutputFiles {
  private OutputFiles() {}

  static String allText(Path root) throws IOException {
    StringBuilder b = new StringBuilder();
    try (var s = Files.walk(root)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        b.append(text(p)).append('\n');
      }
    }
    return b.toString();
  }

  static String text(Path p) throws IOException {
    if (p.toString().endsWith(".gz")) {
      try (InputStream in = new GZIPInputStream(Files.newInputStream(p))) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
      }
    }
    return new String(Files.readAllBytes(p), StandardCharsets.UTF_8);
  }
}
