package dev.sluice.pipeline;

import dev.sluice.transforms.spec.FeedSpec;
import dev.sluice.transforms.spec.SpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads feed specs from files, turning every failure into one clear line. */
public final class Feeds {
  private Feeds() {}

  public static FeedSpec load(String path) {
    String json;
    try {
      json = Files.readString(Path.of(path), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new SluiceException("spec " + path + ": no such file");
    } catch (IOException e) {
      throw new SluiceException("spec " + path + ": cannot be read (" + e.getMessage() + ")");
    }
    try {
      return FeedSpec.parse(json, "spec " + path);
    } catch (SpecException e) {
      throw new SluiceException(e.getMessage());
    }
  }
}
