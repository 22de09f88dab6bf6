package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import dev.sluice.core.pii.SluiceKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/** Finds the keys: a key file, or the environment. Never the command line. */
public final class Keys {
  public static final String ENV_FILE = "SLUICE_KEY_FILE";
  public static final String ENV_JSON = "SLUICE_KEYS";

  private Keys() {}

  public static SluiceKeys load(String keyFile) {
    return load(keyFile, System.getenv());
  }

  static SluiceKeys load(String keyFile, Map<String, String> env) {
    if (keyFile != null && !keyFile.isEmpty()) {
      return fromFile(keyFile);
    }
    String file = env.get(ENV_FILE);
    if (file != null && !file.isEmpty()) {
      return fromFile(file);
    }
    String json = env.get(ENV_JSON);
    if (json != null && !json.isEmpty()) {
      try {
        return SluiceKeys.parse(json, "environment variable " + ENV_JSON);
      } catch (IllegalArgumentException e) {
        throw new SluiceException(e.getMessage());
      }
    }
    throw new SluiceException("no keys: pass --keyFile=FILE (make one with 'sluice keys new"
        + " --out=FILE'), or set " + ENV_FILE + " or " + ENV_JSON);
  }

  public static SluiceKeys fromFile(String path) {
    String json;
    try {
      json = Files.readString(Path.of(path), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new SluiceException("key file " + path + ": no such file");
    } catch (IOException e) {
      throw new SluiceException("key file " + path + ": cannot be read");
    }
    try {
      return SluiceKeys.parse(json, "key file " + path);
    } catch (IllegalArgumentException e) {
      throw new SluiceException(e.getMessage());
    }
  }
}
