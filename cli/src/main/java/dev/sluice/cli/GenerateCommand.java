package dev.sluice.cli;

import dev.sluice.io.SluiceException;
import dev.sluice.cli.generate.CafeGenerator;
import dev.sluice.cli.generate.WeblogGenerator;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice generate --feed=weblogs|cafe --count=N --seed=S --out=FILE}: realistic,
 * deterministic input for a feed, for demos and benchmarks, as the seeds' bots made it. The same
 * seed and options give the same bytes. A file name ending in {@code .gz} is gzipped.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Write realistic input of a feed (weblogs, cafe) to a file or stdout.")
final class GenerateCommand implements Callable<Integer> {
  private final PrintStream out;

  @Option(names = "--feed", required = true, description = "weblogs or cafe")
  String feed;

  @Option(names = "--count", defaultValue = "1000", description = "Lines (default 1000).")
  long count;

  @Option(names = "--seed", defaultValue = "1", description = "Seed (default 1).")
  long seed;

  @Option(names = "--out", description = "File to write (.gz: gzipped); default stdout.")
  Path file;

  @Option(names = "--broken", defaultValue = "0.0",
      description = "Share of lines broken the way real ones are (0 to 1, default 0).")
  double broken;

  @Option(names = "--start", defaultValue = "2024-12-30T00:00:00-07:00",
      description = "weblogs: time of the first line, with its offset.")
  String start;

  @Option(names = "--date", defaultValue = "2021-08-25", description = "cafe: the day.")
  String date;

  @Option(names = "--branch", defaultValue = "Chesterfield", description = "cafe: the branch.")
  String branch;

  GenerateCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws IOException {
    if (count < 0) {
      throw new SluiceException("--count must be 0 or more");
    }
    if (broken < 0 || broken > 1) {
      throw new SluiceException("--broken must be between 0 and 1");
    }
    Supplier<String> lines;
    try {
      switch (feed) {
        case "weblogs":
          WeblogGenerator w = new WeblogGenerator(seed, OffsetDateTime.parse(start), broken);
          lines = w::next;
          break;
        case "cafe":
          if (branch.isBlank() || branch.contains(",") || branch.contains("\"")) {
            throw new SluiceException("--branch must be a name without commas or quotes");
          }
          CafeGenerator c = new CafeGenerator(seed, LocalDate.parse(date), branch, count, broken);
          lines = c::next;
          break;
        default:
          throw new SluiceException("--feed=" + feed + ": no generator (weblogs, cafe)");
      }
    } catch (DateTimeException e) {
      throw new SluiceException("--start or --date: not a time (" + e.getMessage() + ")");
    }
    if (file == null) {
      write(lines, out, false);
      out.flush();
      return SluiceCli.OK;
    }
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (OutputStream os = Files.newOutputStream(file)) {
      write(lines, os, file.toString().endsWith(".gz"));
    }
    return SluiceCli.OK;
  }

  private void write(Supplier<String> lines, OutputStream target, boolean gzip)
      throws IOException {
    OutputStream os = gzip ? new GZIPOutputStream(target, 1 << 16) : target;
    Writer w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8), 1 << 16);
    for (long i = 0; i < count; i++) {
      w.write(lines.get());
      w.write('\n');
    }
    w.flush();
    if (gzip) {
      ((GZIPOutputStream) os).finish();
    }
  }
}
