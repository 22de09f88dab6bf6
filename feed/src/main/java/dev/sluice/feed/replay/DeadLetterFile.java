package dev.sluice.feed.replay;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.apache.beam.sdk.io.FileSystems;

/**
 * One dead-letter file (JSON lines), read a dead letter at a time, so the client's look over
 * the files and the workers' replay of them agree on what a dead letter and its line are.
 *
 * <pre>{@code
 * try (DeadLetterFile in = DeadLetterFile.open(file)) {
 *   for (JsonNode d = in.next(); d != null; d = in.next()) { ... in.line() ... }
 * }
 * }</pre>
 */
final class DeadLetterFile implements AutoCloseable {
  private final String file;
  private final BufferedReader in;
  private long line;

  private DeadLetterFile(String file, BufferedReader in) {
    this.file = file;
    this.in = in;
  }

  static DeadLetterFile open(String file) throws IOException {
    return new DeadLetterFile(file, new BufferedReader(new InputStreamReader(
        Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(file, false))),
        StandardCharsets.UTF_8)));
  }

  /** The next dead letter, past blank lines; null at the end. Fails on a line that is not one. */
  JsonNode next() throws IOException {
    String text;
    while ((text = in.readLine()) != null) {
      line++;
      if (!text.isBlank()) {
        return DeadLetterInventory.parse(text, file, line);
      }
    }
    return null;
  }

  /** The line number (from 1) of the dead letter {@link #next} returned last. */
  long line() {
    return line;
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
