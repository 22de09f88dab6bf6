package dev.sluice.cli;

import dev.sluice.io.SluiceException;
import dev.sluice.core.pii.SluiceKeys;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code sluice keys new --out=FILE}: a fresh key file, readable by its owner only. */
@Command(name = "keys", mixinStandardHelpOptions = true,
    description = "Make a key file: one HMAC secret and one AES-SIV keyset.")
public final class KeysCommand implements Callable<Integer> {
  private final PrintStream out;

  @Parameters(index = "0", paramLabel = "new", description = "The action (only 'new').")
  String action;

  @Option(names = "--out", required = true, description = "Where to write the key file.")
  Path file;

  @Option(names = "--version", defaultValue = "v1",
      description = "Key version tag carried by every token (default v1).")
  String version;

  KeysCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    if (!"new".equals(action)) {
      throw new SluiceException("unknown action '" + action + "' (only 'keys new')");
    }
    SluiceKeys keys;
    try {
      keys = SluiceKeys.generate(version);
    } catch (IllegalArgumentException e) {
      throw new SluiceException("--version=" + version + ": " + e.getMessage());
    }
    write(file, keys);
    out.println("wrote key file " + file + " (version " + version + "); keep it secret, and"
        + " keep a copy: without it encrypted values cannot be revealed");
    return SluiceCli.OK;
  }

  public static void write(Path file, SluiceKeys keys) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.writeString(file, keys.toJson(), StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE);
      try {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // Not a POSIX file system; the file keeps the default permissions.
      }
    } catch (FileAlreadyExistsException e) {
      throw new SluiceException(file + " already exists; a key file is never overwritten");
    } catch (IOException e) {
      throw new SluiceException(file + ": cannot be written (" + e.getMessage() + ")");
    }
  }
}
