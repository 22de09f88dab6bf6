package dev.sluice.devtools;


import dev.sluice.cli.SluiceCli;
import dev.sluice.devtools.flink.FlinkCommand;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * {@code bin/sluice demo|sandbox|flink}: the developer's commands, whose test servers (embedded
 * Postgres, S3Proxy, ElasticMQ) stay out of the job jar. Every other command goes to
 * {@link SluiceCli} unchanged, so this entry point answers exactly as the job jar does.
 */
public final class DevToolsCli {
  private DevToolsCli() {}

  public static void main(String[] args) {
    System.exit(execute(args, System.out, System.err));
  }

  static int execute(String[] args, PrintStream out, PrintStream err) {
    String command = args.length == 0 ? "" : args[0];
    String[] rest = args.length == 0 ? args : Arrays.copyOfRange(args, 1, args.length);
    try {
      switch (command) {
        case "demo":
          return SluiceCli.picocli(command, new DemoCommand(out), rest, out, err);
        case "sandbox":
          return SluiceCli.picocli(command, new SandboxCommand(out), rest, out, err);
        case "flink":
          return SluiceCli.picocli(command, new FlinkCommand(out), rest, out, err);
        default:
          return SluiceCli.execute(args, out, err);
      }
    } catch (RuntimeException e) {
      return SluiceCli.fail(command, e, err);
    }
  }
}
