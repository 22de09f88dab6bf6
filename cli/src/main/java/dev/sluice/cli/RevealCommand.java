package dev.sluice.cli;

import dev.sluice.feed.Keys;
import dev.sluice.io.SluiceException;
import dev.sluice.core.pii.Protector;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code sluice reveal --keyFile=K --field=NAME TOKEN...}: the original values of encrypted
 * tokens, one per line, for those who hold the key. {@code --field=_payload} reveals a dead
 * letter's payload for a replay. With no tokens, reads them from standard input.
 */
@Command(name = "reveal", mixinStandardHelpOptions = true,
    description = "Decrypt tokens made by the 'encrypt' PII action (or dead-letter payloads).")
final class RevealCommand implements Callable<Integer> {
  private final PrintStream out;

  @Option(names = "--keyFile", description = "Key file (else SLUICE_KEY_FILE or SLUICE_KEYS).")
  String keyFile;

  @Option(names = "--field", required = true,
      description = "The field the tokens came from (its spec name), or _payload.")
  String field;

  @Parameters(arity = "0..*", paramLabel = "TOKEN", description = "Tokens; none: read stdin.")
  List<String> tokens = new ArrayList<>();

  RevealCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws IOException {
    Protector protector = new Protector(Keys.load(keyFile));
    List<String> all = new ArrayList<>(tokens);
    if (all.isEmpty()) {
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        if (!line.isBlank()) {
          all.add(line.strip());
        }
      }
    }
    int n = 0;
    for (String token : all) {
      n++;
      try {
        out.println(protector.decrypt(field, token));
      } catch (IllegalArgumentException e) {
        throw new SluiceException("token " + n + ": " + e.getMessage());
      }
    }
    return SluiceCli.OK;
  }
}
