package dev.sluice.devtools;


import dev.sluice.cli.DefaultRunner;
import dev.sluice.cli.KeysCommand;
import dev.sluice.cli.RunCommand;
import dev.sluice.cli.SluiceCli;
import dev.sluice.feed.Keys;
import dev.sluice.feed.RunLedger;
import dev.sluice.io.SluiceException;
import dev.sluice.feed.SluiceOptions;
import dev.sluice.feed.SluicePipeline;
import dev.sluice.cli.flink.FlinkRunSetup;
import dev.sluice.core.pii.SluiceKeys;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice demo}: the shipped feeds, end to end, on embedded defaults: a real Postgres
 * started from the jar, a fresh key file, local output. Prints each ledger and where to look.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the shipped feeds on an embedded Postgres and print the ledgers.")
final class DemoCommand implements Callable<Integer> {
  static final List<String> FEEDS = List.of("events", "user_logins", "cafe", "weblogs");

  /** The shipped sample input of each feed, below its testdata folder. */
  static final Map<String, String> INPUTS = Map.of("events", "*.jsonl", "user_logins", "*.jsonl",
      "cafe", "*.csv", "weblogs", "access.log*");

  /** The tables each feed fills (cafe: its normalised tables). */
  static final Map<String, List<String>> TABLES = Map.of("events", List.of("events"),
      "user_logins", List.of("user_logins"),
      "cafe", List.of("branches", "products", "orders", "order_items"),
      "weblogs", List.of("weblogs"));

  private final PrintStream out;

  @Option(names = "--dir", defaultValue = ".sluice/demo",
      description = "Where the demo keeps its key file and output (default .sluice/demo).")
  Path dir;

  DemoCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    Path home = Path.of(System.getProperty("sluice.home", ".")).toAbsolutePath().normalize();
    Path testdata = home.resolve("testdata");
    if (!Files.isDirectory(testdata)) {
      throw new SluiceException("no testdata/ folder under " + home
          + "; run the demo from the Sluice checkout (bin/sluice demo)");
    }
    Files.createDirectories(dir);
    Path keyFile = dir.resolve("keys.json");
    if (!Files.exists(keyFile)) {
      KeysCommand.write(keyFile, SluiceKeys.generate("v1"));
      out.println("made a key file: " + keyFile);
    }
    Keys.fromFile(keyFile.toString());
    out.println("starting an embedded Postgres ...");
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      String url = pg.getJdbcUrl("postgres", "postgres");
      List<RunLedger> ledgers = new ArrayList<>();
      for (String feed : FEEDS) {
        Path output = dir.resolve("out").resolve(feed).toAbsolutePath();
        deleteTree(output);
        SluiceOptions options = PipelineOptionsFactory.as(SluiceOptions.class);
        options.setSpec(testdata.resolve(feed).resolve("spec.json").toString());
        options.setInput(testdata.resolve(feed).resolve(INPUTS.get(feed)).toString());
        options.setOutput(output.toString());
        options.setJdbcUrl(url);
        options.setKeyFile(keyFile.toString());
        options.setSummary(dir.resolve(feed + "-summary.json").toString());
        String[] none = new String[0];
        DefaultRunner.apply(options, none);
        FlinkRunSetup.apply(options, none);
        Path report = dir.resolve(feed + "-report.html").toAbsolutePath();
        options.setReport(report.toString());
        out.println();
        out.println("== feed " + feed);
        RunLedger ledger = SluicePipeline.run(options);
        RunCommand.print(ledger, output.toString(), out);
        for (String table : TABLES.get(feed)) {
          out.println("  table " + table + ": " + count(pg, table) + " rows");
        }
        out.println("  report: " + report);
        ledgers.add(ledger);
      }
      out.println();
      out.println("Where to look:");
      out.println("  output files   " + dir.resolve("out").toAbsolutePath()
          + "/<feed>/<partition>/*.jsonl.gz  (zcat to read)");
      out.println("  dead letters   " + dir.resolve("out").toAbsolutePath()
          + "/<feed>/_dead_letters/<stage>/");
      out.println("  ledgers        " + dir.toAbsolutePath() + "/<feed>-summary.json");
      out.println("  reports        " + dir.toAbsolutePath()
          + "/<feed>-report.html  (open in a browser)");
      out.println("  key file       " + keyFile.toAbsolutePath()
          + "  (sluice reveal --keyFile=... --field=_payload TOKEN)");
      out.println("The embedded Postgres stops now; point --jdbcUrl at your own to keep rows.");
      for (RunLedger l : ledgers) {
        if (!l.balanced()) {
          return SluiceCli.FAILED;
        }
      }
    }
    return SluiceCli.OK;
  }

  private static long count(EmbeddedPostgres pg, String table) throws Exception {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM \"" + table + "\"")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
        Files.delete(p);
      }
    }
  }
}
