package dev.sluice.cli;

import dev.sluice.io.SluiceException;
import dev.sluice.feed.SluiceOptions;
import dev.sluice.feed.replay.Replay;
import dev.sluice.feed.replay.ReplayLedger;
import dev.sluice.feed.replay.ReplayOptions;
import dev.sluice.cli.flink.FlinkRunSetup;
import java.io.PrintStream;
import java.util.Arrays;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * {@code sluice replay --deadLetters=DIR|s3://...|jdbc --spec=FILE --keyFile=FILE --output=DIR
 * [--jdbcUrl=URL] [--summary=FILE] [--report=FILE.html]}: dead letters back through the graph.
 */
final class ReplayCommand {
  private ReplayCommand() {}

  static int run(String[] args, PrintStream out, PrintStream err) {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      help(out);
      return SluiceCli.OK;
    }
    for (String a : args) {
      if (!a.startsWith("--")) {
        throw new SluiceException("'" + a + "' is not an option; options look like --name=value"
            + " (see sluice replay --help)");
      }
      if (a.startsWith("--input=")) {
        throw new SluiceException("--input: a replay reads --deadLetters (see sluice replay"
            + " --help)");
      }
    }
    PipelineOptionsFactory.register(SluiceOptions.class);
    PipelineOptionsFactory.register(ReplayOptions.class);
    ReplayOptions replay;
    try {
      replay = PipelineOptionsFactory.fromArgs(args).withValidation().as(ReplayOptions.class);
    } catch (IllegalArgumentException e) {
      throw new SluiceException(RunCommand.optionProblem(e.getMessage())
          .replace("sluice run --help", "sluice replay --help"));
    }
    SluiceOptions options = replay.as(SluiceOptions.class);
    // The run set-ups treat a replay as the batch it is (they look at --input).
    options.setInput(replay.getDeadLetters());
    FlinkRunSetup.apply(options, args);
    DirectRunSetup.apply(options, args);
    Replay.Outcome outcome = Replay.run(options, replay.getDeadLetters());
    ReplayLedger ledger = outcome.ledger;
    out.println(ledger.lines());
    RunCommand.print(ledger.run(), outcome.output, out, false);
    if (!ledger.balanced()) {
      throw new SluiceException("the replay's books do not balance");
    }
    return SluiceCli.OK;
  }

  static void help(PrintStream out) {
    out.println("usage: sluice replay --deadLetters=DIR|s3://...|jdbc --spec=FILE --keyFile=FILE"
        + " --output=DIR|s3://... [--jdbcUrl=URL] [--summary=FILE] [--report=FILE.html]");
    out.println();
    out.println("Decrypts each dead letter's payload (key holders only) and runs it through the");
    out.println("feed's graph under the spec as it is now. Rows that pass are written as");
    out.println("<feed>-replay-... files under --output and upserted at --jdbcUrl; those that fail");
    out.println("again are new dead letters under --output. Replaying again stores nothing twice.");
    out.println();
    out.println("  --deadLetters  a run's output or its _dead_letters folder, or 'jdbc' for the");
    out.println("                 sluice_dead_letters table at --jdbcUrl (SQS runs)");
    out.println("  other options as for sluice run (--format, --compression, --partitioning, ...)");
  }
}
