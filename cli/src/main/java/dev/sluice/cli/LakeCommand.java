package dev.sluice.cli;

import dev.sluice.io.SluiceException;
import dev.sluice.lake.LakeLoader;
import dev.sluice.lake.LakeOptions;
import dev.sluice.feed.report.ReportOptions;
import dev.sluice.lake.LoadRecord;
import dev.sluice.lake.LoadsTable;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;

/**
 * {@code sluice lake}: load a lake's new objects (once, or with {@code --watch} until stopped).
 * Beam's own option parsing, so {@code --runner} and the AWS options pass through.
 */
final class LakeCommand {
  private LakeCommand() {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      help(out);
      return SluiceCli.OK;
    }
    for (String a : args) {
      if (!a.startsWith("--")) {
        throw new SluiceException("'" + a + "' is not an option; options look like --name=value"
            + " (see sluice lake --help)");
      }
    }
    PipelineOptionsFactory.register(LakeOptions.class);
    PipelineOptionsFactory.register(ReportOptions.class);
    LakeOptions options;
    try {
      options = PipelineOptionsFactory.fromArgs(args).withValidation().as(LakeOptions.class);
    } catch (IllegalArgumentException e) {
      throw new SluiceException(optionProblem(e.getMessage()));
    }
    if (options.getWatch() != null && !options.getWatch().isEmpty()) {
      CountDownLatch stop = new CountDownLatch(1);
      Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
      AtomicBoolean started = new AtomicBoolean();
      try {
        LakeLoader.watch(options, summary -> {
          if (!started.getAndSet(true)) {
            out.println("sluice lake: watching " + summary.config.input() + " every "
                + options.getWatch() + " (Ctrl-C stops; a load cut short is rolled back and"
                + " done again next time)");
          }
          if (!summary.records.isEmpty()) {
            LoadsTable.print(summary.records, out);
            out.println(summary.line());
          }
        }, stop);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return SluiceCli.OK;
    }
    long started = System.currentTimeMillis();
    LakeLoader.Summary summary = LakeLoader.run(options);
    if (!summary.records.isEmpty()) {
      LoadsTable.print(summary.records, out);
    }
    out.println(summary.line());
    LakeReport.writeIfAsked(options, summary, started, out);
    long failed = summary.count(LoadRecord.FAILED);
    if (failed > 0) {
      err.println("sluice lake: " + failed + " object" + (failed == 1 ? "" : "s")
          + " failed to load; they are tried again on the next run");
      return SluiceCli.FAILED;
    }
    return SluiceCli.OK;
  }

  /** Beam's messages for bad options are long; keep the first line and point at help. */
  static String optionProblem(String message) {
    String m = message == null ? "bad option" : message;
    int nl = m.indexOf('\n');
    if (nl >= 0) {
      m = m.substring(0, nl);
    }
    if (m.startsWith("Class interface") && m.contains("missing a property named")) {
      m = "unknown option --" + m.replaceAll(".*missing a property named '([^']*)'.*", "$1");
    } else if (m.startsWith("Missing required value for")) {
      m = m.replaceAll("Missing required value for \\[([^,\\]]*).*", "$1 is required");
    }
    return m.trim() + " (see sluice lake --help)";
  }

  static void help(PrintStream out) {
    out.println("usage: sluice lake --input=s3://bucket/prefix|DIR --jdbcUrl=URL [options]");
    out.println();
    out.println("Loads objects keyed <db>/<action>/<table>/<file> (action: append, truncate,");
    out.println("schema) into Postgres or Redshift, in the order they landed, one transaction each,");
    out.println("and logs every object in sluice_load_log. See README, 'The lake loader'.");
    out.println();
    List<Method> methods = new ArrayList<>();
    for (Method m : LakeOptions.class.getDeclaredMethods()) {
      if (m.getName().startsWith("get") && m.isAnnotationPresent(Description.class)) {
        methods.add(m);
      }
    }
    methods.sort(Comparator.comparing(Method::getName));
    for (Method m : methods) {
      String name = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
      StringBuilder line = new StringBuilder("  --" + name);
      if (m.isAnnotationPresent(Validation.Required.class)) {
        line.append("  (required)");
      }
      Default.String ds = m.getAnnotation(Default.String.class);
      if (ds != null) {
        line.append("  (default ").append(ds.value()).append(')');
      }
      out.println(line);
      out.println("      " + m.getAnnotation(Description.class).value());
    }
    out.println();
    out.println("Any other Beam option passes through: --runner, and for S3 --awsRegion and");
    out.println("--endpoint (credentials come from the AWS default chain).");
  }
}
