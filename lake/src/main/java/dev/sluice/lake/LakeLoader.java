package dev.sluice.lake;

import dev.sluice.io.aws.S3FileSystems;
import dev.sluice.io.SluiceException;
import dev.sluice.core.spec.Names;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;
import org.joda.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lake loader: objects under a prefix, keyed {@code <db>/<action>/<table>/<file>}, loaded
 * into Postgres or Redshift in the order they landed, each in one transaction with its row in
 * the load log. {@link #run} makes one pass and reports it; {@link #watch} makes one every
 * interval until stopped.
 *
 * <pre>{@code
 * LakeOptions o = PipelineOptionsFactory.fromArgs(args).withValidation().as(LakeOptions.class);
 * LakeLoader.Summary s = LakeLoader.run(o);
 * }</pre>
 */
public final class LakeLoader {
  private static final Logger LOG = LoggerFactory.getLogger(LakeLoader.class);
  private static final Pattern INTERVAL = Pattern.compile("(\\d{1,6})(ms|s|m|h)");

  private LakeLoader() {}

  /** What one pass did: the log rows it wrote, in order. */
  public static final class Summary {
    public final LakeConfig config;
    public final List<LoadRecord> records;

    Summary(LakeConfig config, List<LoadRecord> records) {
      this.config = config;
      this.records = records;
    }

    public long count(String status) {
      return records.stream().filter(r -> status.equals(r.status)).count();
    }

    public String line() {
      if (records.isEmpty()) {
        return "lake: nothing new under " + config.input;
      }
      long read = 0;
      long loaded = 0;
      long rejected = 0;
      for (LoadRecord r : records) {
        read += r.rowsRead;
        loaded += r.rowsLoaded;
        rejected += r.rowsRejected;
      }
      return "lake: " + records.size() + " object" + (records.size() == 1 ? "" : "s") + " under "
          + config.input + ": " + count(LoadRecord.LOADED) + " loaded, "
          + count(LoadRecord.REJECTED) + " rejected, " + count(LoadRecord.FAILED)
          + " failed; rows: " + read + " read, " + loaded + " loaded, " + rejected
          + " to dead letters";
    }
  }

  /**
   * Builds the graph of one pass:
   *
   * <ol>
   *   <li>list the lake and load each new object, one at a time, in landing order;
   *   <li>the log rows written come out, for counting and tests.
   * </ol>
   */
  public static PCollection<LoadRecord> buildPipeline(Pipeline p, LakeConfig config) {
    return p.apply("LoadNewObjects", LoadNewObjects.with(config));
  }

  /** One pass: loads what is new, then reports the log rows it wrote. */
  public static Summary run(LakeOptions options) {
    return pass(options, configure(options));
  }

  private static Summary pass(LakeOptions options, LakeConfig config) {
    Pipeline p = Pipeline.create(options);
    buildPipeline(p, config);
    try {
      p.run().waitUntilFinish();
    } catch (RuntimeException e) {
      throw new SluiceException("the lake run failed: " + SluiceException.rootCause(e), e);
    }
    try (Connection c = config.database.connect()) {
      return new Summary(config, config.log().byRun(c, config.runId));
    } catch (SQLException e) {
      throw new SluiceException(config.database.describe(e));
    }
  }

  /**
   * {@code --watch}: a pass, then another every interval, until {@code stop} is counted down.
   * Each pass is a batch pipeline of its own on the chosen runner, run one after the other, so
   * this works on any runner and costs nothing between passes (a streaming pipeline of ticks
   * would keep a DirectRunner core busy). A pass that fails (the database is away) is logged
   * and the next one tries again; only a bad start (options, database, input) ends the watch.
   */
  public static void watch(LakeOptions options, Consumer<Summary> onPass, CountDownLatch stop)
      throws InterruptedException {
    Duration interval = interval(options.getWatch());
    if (interval == null) {
      throw new SluiceException("--watch is not set");
    }
    LakeConfig config = configure(options);
    LOG.info("watching {} every {}, loading into {} ({})", config.input, options.getWatch(),
        config.database.displayUrl(), config.dialect.name());
    while (stop.getCount() > 0) {
      long started = System.currentTimeMillis();
      try {
        onPass.accept(pass(options, config.nextRun()));
      } catch (SluiceException e) {
        LOG.warn("this pass failed, the next one tries again: {}", e.getMessage());
      }
      long wait = interval.getMillis() - (System.currentTimeMillis() - started);
      if (stop.await(Math.max(wait, 0), TimeUnit.MILLISECONDS)) {
        return;
      }
    }
  }

  /**
   * Checks options and the things they point at, with one-line errors: the dialect fits the
   * URL, the database answers (the log tables are created there), the input can be listed.
   */
  public static LakeConfig configure(LakeOptions options) {
    LakeDatabase db = LakeDatabase.of(options.getJdbcUrl());
    LakeDialect dialect = dialect(options.getDialect(), db);
    String logSchema = options.getLogSchema();
    if (!Names.isSafe(logSchema)) {
      throw new SluiceException("--logSchema=" + Names.printable(logSchema)
          + ": names must match " + Names.SAFE.pattern());
    }
    interval(options.getWatch());
    String input = normalizeInput(options.getInput());
    String deadLetters = options.getDeadLetters() == null || options.getDeadLetters().isEmpty()
        ? input + LakeKey.DEAD_LETTERS_FOLDER + "/"
        : normalizeFolder(options.getDeadLetters(), "--deadLetters");
    // Like run: AWS_ENDPOINT_URL_S3 (or AWS_ENDPOINT_URL) and the region from the environment.
    S3FileSystems.configure(options, input.startsWith("s3://"));
    Integer maxRecord = options.getMaxRecordBytes();
    if (maxRecord == null || maxRecord < 1) {
      throw new SluiceException("--maxRecordBytes must be a whole number of at least 1");
    }
    LakeConfig config = new LakeConfig(input, deadLetters, db, dialect, logSchema,
        Boolean.TRUE.equals(options.getFailFileOnBadRows()), UUID.randomUUID().toString(),
        maxRecord);
    try (Connection c = db.connect()) {
      config.log().ensure(c);
    } catch (SQLException e) {
      throw new SluiceException("cannot create the load log: " + db.describe(e));
    }
    try (LakeStore store = LakeStore.of(input, options)) {
      store.check();
    } catch (IOException e) {
      throw new SluiceException("--input=" + input + ": cannot be listed (" + e.getMessage()
          + ")");
    } catch (RuntimeException e) {
      if (e instanceof SluiceException) {
        throw e;
      }
      throw new SluiceException("--input=" + input + ": cannot be listed ("
          + SluiceException.rootCause(e) + ")");
    }
    return config;
  }

  /** The dialect a URL implies: redshift for {@code jdbc:redshift:}, otherwise postgres. */
  public static LakeDialect dialectFor(LakeDatabase db) {
    return dialect(null, db);
  }

  static LakeDialect dialect(String name, LakeDatabase db) {
    if (name == null || name.isEmpty()) {
      return LakeDialect.named(db.isRedshiftUrl() ? "redshift" : "postgres");
    }
    LakeDialect d = LakeDialect.named(name.toLowerCase(Locale.ROOT));
    if (d instanceof LakeDialect.Postgres && db.isRedshiftUrl()) {
      throw new SluiceException("--dialect=postgres needs a jdbc:postgresql: URL (it loads with"
          + " COPY FROM STDIN); use --dialect=redshift for jdbc:redshift:");
    }
    return d;
  }

  /** {@code 30s}, {@code 5m}, {@code 1h}, {@code 500ms}; null when not set. */
  static Duration interval(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    Matcher m = INTERVAL.matcher(text.strip());
    if (!m.matches()) {
      throw new SluiceException("--watch=" + Names.printable(text)
          + ": not an interval such as 30s, 5m or 1h");
    }
    long n = Long.parseLong(m.group(1));
    Duration d;
    switch (m.group(2)) {
      case "ms":
        d = Duration.millis(n);
        break;
      case "s":
        d = Duration.standardSeconds(n);
        break;
      case "m":
        d = Duration.standardMinutes(n);
        break;
      default:
        d = Duration.standardHours(n);
        break;
    }
    if (d.getMillis() < 100) {
      throw new SluiceException("--watch=" + text + ": at least 100ms");
    }
    return d;
  }

  static String normalizeInput(String input) {
    if (input == null || input.isEmpty()) {
      throw new SluiceException("--input is required: an s3://bucket/prefix or a local folder");
    }
    if (input.startsWith("s3://")) {
      return normalizeFolder(input, "--input");
    }
    if (input.contains("://")) {
      throw new SluiceException("--input=" + input + ": only s3:// prefixes and local folders");
    }
    Path p = Path.of(input).toAbsolutePath().normalize();
    if (!Files.isDirectory(p)) {
      throw new SluiceException("--input=" + input + ": no such folder");
    }
    return p + "/";
  }

  private static String normalizeFolder(String location, String option) {
    if (location.startsWith("s3://")) {
      if (location.length() <= "s3://".length() || location.startsWith("s3:///")) {
        throw new SluiceException(option + "=" + location + ": no bucket");
      }
      return location.endsWith("/") ? location : location + "/";
    }
    if (location.contains("://")) {
      throw new SluiceException(option + "=" + location + ": only s3:// and local folders");
    }
    return Path.of(location).toAbsolutePath().normalize() + "/";
  }
}
