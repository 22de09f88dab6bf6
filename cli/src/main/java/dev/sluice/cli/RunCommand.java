package dev.sluice.cli;

import dev.sluice.feed.RunLedger;
import dev.sluice.io.SluiceException;
import dev.sluice.feed.SluiceOptions;
import dev.sluice.feed.SluicePipeline;
import dev.sluice.feed.TooManyRejected;
import dev.sluice.cli.flink.FlinkRunSetup;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.options.Validation;

/** {@code sluice run}: Beam's own option parsing, so every Beam option passes through. */
public final class RunCommand {
  private RunCommand() {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      help(out);
      return SluiceCli.OK;
    }
    for (String a : args) {
      if (!a.startsWith("--")) {
        throw new SluiceException("'" + a + "' is not an option; options look like --name=value"
            + " (see sluice run --help)");
      }
    }
    PipelineOptionsFactory.register(SluiceOptions.class);
    SluiceOptions options;
    try {
      options = PipelineOptionsFactory.fromArgs(args).withValidation().as(SluiceOptions.class);
    } catch (IllegalArgumentException e) {
      throw new SluiceException(optionProblem(e.getMessage()));
    }
    DefaultRunner.apply(options, args);
    FlinkRunSetup.apply(options, args);
    DirectRunSetup.apply(options, args);
    RunLedger ledger;
    try {
      ledger = SluicePipeline.run(options);
    } catch (TooManyRejected e) {
      // The run ended and its outputs and summary are written: show its ledger, then fail.
      print(e.ledger(), options.getOutput(), out);
      throw e;
    } catch (SluiceException e) {
      if (FlinkRunSetup.wasSubmitted(e)) {
        out.println("submitted " + options.getJobName() + " to the Flink cluster; when it ends:"
            + " sluice flink ledger --job=ID");
        return SluiceCli.OK;
      }
      throw e;
    }
    print(ledger, options.getOutput(), out);
    return SluiceCli.OK;
  }

  public static void print(RunLedger ledger, String output, PrintStream out) {
    print(ledger, output, out, true);
  }

  public static void print(RunLedger ledger, String output, PrintStream out, boolean withLine) {
    if (withLine) {
      out.println(ledger.line());
    }
    Map<String, Long> parts = ledger.rowsByPartition();
    if (!parts.isEmpty()) {
      out.println("  " + parts.size() + " partition" + (parts.size() == 1 ? "" : "s")
          + " under " + output);
      int shown = 0;
      for (Map.Entry<String, Long> e : parts.entrySet()) {
        if (shown++ == 12) {
          out.println("    ... and " + (parts.size() - 12) + " more");
          break;
        }
        out.println("    " + e.getKey() + "  " + e.getValue());
      }
    }
    if (ledger.rejected() > 0) {
      out.println("  dead letters under " + output + "/_dead_letters/");
    }
  }

  /** Beam's messages for bad options are long; keep the first line and point at help. */
  static String optionProblem(String message) {
    String m = message == null ? "bad option" : message;
    int nl = m.indexOf('\n');
    if (nl >= 0) {
      m = m.substring(0, nl);
    }
    if (m.startsWith("Class interface") && m.contains("missing a property named")) {
      String name = m.replaceAll(".*missing a property named '([^']*)'.*", "$1");
      m = "unknown option --" + name;
    }
    return m.trim() + " (see sluice run --help)";
  }

  static void help(PrintStream out) {
    out.println("usage: sluice run --spec=FILE --input=GLOB --output=DIR [options]");
    out.println();
    List<Method> methods = new ArrayList<>();
    for (Method m : SluiceOptions.class.getDeclaredMethods()) {
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
      Default.Integer di = m.getAnnotation(Default.Integer.class);
      if (ds != null) {
        line.append("  (default ").append(ds.value()).append(')');
      } else if (di != null) {
        line.append("  (default ").append(di.value()).append(')');
      }
      out.println(line);
      out.println("      " + m.getAnnotation(Description.class).value());
    }
    out.println();
    out.println("The runner is embedded Flink (in this JVM, parallelism = cores) unless --runner");
    out.println("names another: --runner=DirectRunner, or --runner=FlinkRunner --flinkMaster=HOST:PORT.");
    out.println("Any other Beam option passes through: --parallelism, --targetParallelism, and for S3");
    out.println("--awsRegion and --endpoint (credentials come from the AWS default chain).");
  }
}
