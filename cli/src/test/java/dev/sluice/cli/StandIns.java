package dev.sluice.cli;

import dev.sluice.standins.Kinesalite;
import dev.sluice.standins.LocalServices;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.rules.ExternalResource;
import org.junit.rules.TemporaryFolder;

/**
 * Stand-ins for a test class ({@code @ClassRule}, inside its temporary folder): S3Proxy with a
 * bucket {@code lake} and an embedded Postgres, and for streams also ElasticMQ and kinesalite
 * (installed from npm on first use), on free ports; all stopped after the class, also when it
 * fails, and whatever started when one of them fails to start.
 */
public final class StandIns extends ExternalResource {
  private final TemporaryFolder tmp;
  private final boolean streams;
  /** False for queues only: no kinesalite (an npm install on first use) to start. */
  private boolean withKinesis = true;
  private LocalServices.S3 s3;
  private LocalServices.Sqs sqs;
  private Kinesalite kinesis;
  private EmbeddedPostgres pg;
  private final Map<String, String> env = new HashMap<>();

  private StandIns(TemporaryFolder tmp, boolean streams) {
    this.tmp = tmp;
    this.streams = streams;
  }

  /** S3, SQS and Postgres. */
  public static StandIns forQueues(TemporaryFolder tmp) {
    StandIns s = new StandIns(tmp, true);
    s.withKinesis = false;
    return s;
  }

  /** S3, SQS, Kinesis and Postgres. */
  public static StandIns forStreams(TemporaryFolder tmp) {
    return new StandIns(tmp, true);
  }

  /** S3 and Postgres. */
  public static StandIns forBatches(TemporaryFolder tmp) {
    return new StandIns(tmp, false);
  }

  @Override
  protected void before() throws Exception {
    try {
      s3 = LocalServices.S3.start(null, LocalServices.freePort());
      s3.context().getBlobStore().createContainerInLocation(null, "lake");
      pg = EmbeddedPostgres.builder().start();
      if (streams) {
        sqs = LocalServices.Sqs.start(LocalServices.freePort());
      }
      if (streams && withKinesis) {
        kinesis = Kinesalite.start(Cli.ROOT.resolve(".sluice/tools/kinesalite"),
            LocalServices.freePort(), tmp.getRoot().toPath().resolve("kinesalite.log"));
      }
    } catch (Exception | Error e) {
      after();
      throw e;
    }
    env.put("AWS_REGION", "us-east-1");
    env.put("AWS_ACCESS_KEY_ID", LocalServices.ACCESS_KEY);
    env.put("AWS_SECRET_ACCESS_KEY", LocalServices.SECRET_KEY);
    env.put("AWS_ENDPOINT_URL_S3", s3.endpoint());
    if (streams) {
      env.put("AWS_ENDPOINT_URL_SQS", sqs.endpoint());
    }
    if (kinesis != null) {
      env.put("AWS_ENDPOINT_URL_KINESIS", kinesis.endpoint());
    }
  }

  @Override
  protected void after() {
    for (AutoCloseable c : new AutoCloseable[] {kinesis, sqs, s3, pg}) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // keep closing the others
        }
      }
    }
  }

  /** The environment that points {@code bin/sluice} at the stand-ins (AWS's variables). */
  public Map<String, String> env() {
    return env;
  }

  public LocalServices.S3 s3() {
    return s3;
  }

  public LocalServices.Sqs sqs() {
    return sqs;
  }

  public Kinesalite kinesis() {
    return kinesis;
  }

  public EmbeddedPostgres pg() {
    return pg;
  }

  /** Creates database {@code name}; its JDBC URL. */
  public String database(String name) throws Exception {
    try (Connection c = pg.getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return pg.getJdbcUrl("postgres", name);
  }
}
