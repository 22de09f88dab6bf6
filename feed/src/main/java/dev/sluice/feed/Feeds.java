package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.SpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads feed specs from files, turning every failure into one clear line. */
public final class Feeds {
  private Feeds() {}

  /** The spec with its named partitioning {@code name}; the spec as it is for null or "". */
  public static FeedSpec withPartitioning(FeedSpec spec, String name) {
    if (name == null || name.isEmpty()) {
      return spec;
    }
    try {
      return spec.withPartitioning(name);
    } catch (SpecException e) {
      throw new SluiceException("--partitioning=" + name + ": " + e.getMessage());
    }
  }

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
