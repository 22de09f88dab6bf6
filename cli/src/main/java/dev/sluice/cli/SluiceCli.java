package dev.sluice.cli;

import dev.sluice.io.SluiceException;
import dev.sluice.feed.SluicePipeline;
import dev.sluice.cli.flink.FlinkRunSetup;
import java.io.PrintStream;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * The one command a user types: {@code sluice run|demo|keys|reveal}. Every failure a user can
 * fix prints one line naming what and where, and exits non-zero; set {@code SLUICE_DEBUG=1}
 * for a stack trace.
 */
public final class SluiceCli {
  public static final int OK = 0;
  public static final int FAILED = 1;
  static final int USAGE = 2;

  private SluiceCli() {}

  public static void main(String[] args) {
    if (FlinkRunSetup.insideFlinkProgram()) {
      // Run by a Flink cluster (REST /jars/<id>/run, flink run): the JVM is not ours to end.
      FlinkRunSetup.mainInsideFlink(args, SluiceCli::execute);
      return;
    }
    System.exit(execute(args, System.out, System.err));
  }

  public static int execute(String[] args, PrintStream out, PrintStream err) {
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")
        || args[0].equals("help")) {
      usage(out);
      return args.length == 0 ? USAGE : OK;
    }
    String command = args[0];
    String[] rest = Arrays.copyOfRange(args, 1, args.length);
    try {
      switch (command) {
        case "run":
          return RunCommand.run(rest, out, err);
        case "demo":
        case "sandbox":
        case "flink":
          return devTool(command, err);
        case "keys":
          return picocli(command, new KeysCommand(out), rest, out, err);
        case "reveal":
          return picocli(command, new RevealCommand(out), rest, out, err);
        case "send":
          return picocli(command, new SendCommand(out), rest, out, err);
        case "generate":
          return picocli(command, new GenerateCommand(out), rest, out, err);
        case "lake":
          return LakeCommand.run(rest, out, err);
        case "replay":
          return ReplayCommand.run(rest, out, err);
        case "loads":
          return picocli(command, new LoadsCommand(out), rest, out, err);
        case "serve":
          return picocli(command, new ServeCommand(out), rest, out, err);
        default:
          err.println("sluice: unknown command '" + command + "' (run, demo, keys, reveal, send,"
              + " sandbox, generate, lake, loads, serve, flink, replay; see sluice --help)");
          return USAGE;
      }
    } catch (RuntimeException e) {
      return fail(command, e, err);
    }
  }

  /**
   * The demo, the sandbox and the local Flink cluster live in devtools, outside the job jar
   * (their test servers would triple its size): {@code bin/sluice} runs them through {@code DevToolsCli}.
   */
  private static int devTool(String command, PrintStream err) {
    err.println("sluice " + command + ": a developer's command, not in the job jar; run it as"
        + " bin/sluice " + command + " from a Sluice checkout");
    return USAGE;
  }

  /** One line for a failure: the message of ours, the root cause of anything else. */
  public static int fail(String command, Exception e, PrintStream err) {
    if (e instanceof SluiceException) {
      err.println("sluice " + command + ": " + e.getMessage());
    } else {
      err.println("sluice " + command + ": unexpected error: " + SluiceException.rootCause(e));
    }
    debug(e, err);
    return FAILED;
  }

  public static int picocli(
      String name, Object command, String[] args, PrintStream out, PrintStream err) {
    CommandLine cl = new CommandLine(command);
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> fail(name, ex, err));
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          err.println("sluice " + ex.getCommandLine().getCommandName() + ": " + ex.getMessage()
              + " (see --help)");
          return USAGE;
        });
    cl.setOut(new java.io.PrintWriter(out, true));
    cl.setErr(new java.io.PrintWriter(err, true));
    return cl.execute(args);
  }

  static void debug(Throwable e, PrintStream err) {
    if ("1".equals(System.getenv("SLUICE_DEBUG"))) {
      e.printStackTrace(err);
    }
  }

  static void usage(PrintStream out) {
    out.println("usage: sluice <command> [options]");
    out.println();
    out.println("  run      run a feed: --spec=FILE --input=GLOB|s3://... --output=DIR|s3://..."
        + " [--jdbcUrl=URL] [--keyFile=FILE] [--summary=FILE] (sluice run --help)");
    out.println("  replay   replay --deadLetters=DIR|jdbc --spec=FILE --keyFile=FILE --output=DIR:"
        + " dead letters back through the graph (sluice replay --help)");
    out.println("  demo     run the shipped feeds on an embedded Postgres and print the ledgers");
    out.println("  keys     keys new --out=FILE: make a key file for hashing and encryption");
    out.println("  reveal   reveal --keyFile=FILE --field=NAME TOKEN...: decrypt encrypted values");
    out.println("  send     send --to=kinesis://S|sqs://Q --input=GLOB|--generate=N: the event bot");
    out.println("  sandbox  run S3, SQS, Kinesis and Postgres stand-ins locally until Ctrl-C");
    out.println("  generate generate --feed=weblogs|cafe --count=N --seed=S --out=FILE: input");
    out.println("  flink    flink start|status|stop|savepoint|ledger: a local Flink cluster");
    out.println("  lake     lake --input=s3://bucket/|DIR --jdbcUrl=URL [--watch=30s]: load"
        + " <db>/<action>/<table>/<file> objects (sluice lake --help)");
    out.println("  loads    loads --jdbcUrl=URL [--table=T] [--since=ISO]: what the lake loader"
        + " loaded, newest first");
    out.println("  serve    serve --jdbcUrl=URL [--port=8080]: GET /loads?table=T&since=ISO");
  }
}
