package dev.sluice.devtools;


import dev.sluice.cli.SluiceCli;
import dev.sluice.io.SluiceException;
import dev.sluice.standins.Kinesalite;
import dev.sluice.standins.LocalServices;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sluice sandbox}: docker-compose without Docker. S3Proxy, ElasticMQ, kinesalite and an
 * embedded Postgres in the foreground, the settings a run needs in {@code <dir>/endpoints.env},
 * all stopped on Ctrl-C.
 */
@Command(name = "sandbox", mixinStandardHelpOptions = true,
    description = "Run S3, SQS, Kinesis and Postgres stand-ins locally until Ctrl-C.")
final class SandboxCommand implements Callable<Integer> {
  private final PrintStream out;

  @Option(names = "--dir", defaultValue = ".sluice/sandbox",
      description = "Where objects, Postgres data, logs and endpoints.env live.")
  Path dir;

  @Option(names = "--s3Port", defaultValue = "9000", description = "S3Proxy port (9000).")
  int s3Port;

  @Option(names = "--sqsPort", defaultValue = "9324", description = "ElasticMQ port (9324).")
  int sqsPort;

  @Option(names = "--kinesisPort", defaultValue = "4567", description = "kinesalite port (4567).")
  int kinesisPort;

  @Option(names = "--pgPort", defaultValue = "5433", description = "Postgres port (5433).")
  int pgPort;

  @Option(names = "--buckets", defaultValue = "lake", split = ",",
      description = "Buckets to create (default lake).")
  List<String> buckets;

  SandboxCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() throws Exception {
    Files.createDirectories(dir);
    Deque<AutoCloseable> started = new ArrayDeque<>();
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      closeAll(started);
      stop.countDown();
    }));
    try {
      LocalServices.S3 s3 = LocalServices.S3.start(dir.resolve("s3"), s3Port);
      started.push(s3);
      for (String b : buckets) {
        s3.context().getBlobStore().createContainerInLocation(null, b);
      }
      LocalServices.Sqs sqs = LocalServices.Sqs.start(sqsPort);
      started.push(sqs);
      Kinesalite kinesis = Kinesalite.start(Kinesalite.defaultToolsDir(), kinesisPort,
          dir.resolve("kinesalite.log"));
      started.push(kinesis);
      EmbeddedPostgres pg = LocalServices.postgres(dir.resolve("pg"), pgPort);
      started.push(pg);
      String jdbc = "jdbc:postgresql://127.0.0.1:" + pgPort + "/postgres?user=postgres";
      Path env = dir.resolve("endpoints.env");
      Files.writeString(env, String.join("\n",
          "# Written by sluice sandbox: source this file, then run sluice as against AWS.",
          "export AWS_REGION=us-east-1",
          "export AWS_ACCESS_KEY_ID=" + LocalServices.ACCESS_KEY,
          "export AWS_SECRET_ACCESS_KEY=" + LocalServices.SECRET_KEY,
          "export AWS_ENDPOINT_URL_S3=" + s3.endpoint(),
          "export AWS_ENDPOINT_URL_SQS=" + sqs.endpoint(),
          "export AWS_ENDPOINT_URL_KINESIS=" + kinesis.endpoint(),
          "export SLUICE_JDBC_URL='" + jdbc + "'",
          ""));
      out.println("sandbox up:");
      out.println("  S3 (S3Proxy)        " + s3.endpoint() + "   objects under " + dir.resolve("s3")
          + "/<bucket>/<key>; buckets " + buckets);
      out.println("  SQS (ElasticMQ)     " + sqs.endpoint());
      out.println("  Kinesis (kinesalite) " + kinesis.endpoint());
      out.println("  Postgres            " + jdbc);
      out.println("settings: source " + env);
      out.println("Ctrl-C stops everything.");
      out.flush();
    } catch (RuntimeException e) {
      closeAll(started);
      throw e instanceof SluiceException ? e : new SluiceException(e.getMessage(), e);
    }
    stop.await();
    return SluiceCli.OK;
  }

  private static synchronized void closeAll(Deque<AutoCloseable> started) {
    while (!started.isEmpty()) {
      try {
        started.pop().close();
      } catch (Exception e) {
        // Keep stopping the others.
      }
    }
  }
}
