package dev.sluice.feed.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.feed.Feeds;
import dev.sluice.feed.Keys;
import dev.sluice.io.aws.S3FileSystems;
import dev.sluice.feed.RunLedger;
import dev.sluice.feed.Sinks;
import dev.sluice.io.SluiceException;
import dev.sluice.feed.SluiceOptions;
import dev.sluice.feed.SluicePipeline;
import dev.sluice.io.jdbc.Database;
import dev.sluice.io.jdbc.PostgresDialect;
import dev.sluice.io.jdbc.Tables;
import dev.sluice.feed.report.RunWatch;
import dev.sluice.io.files.FileFormat;
import dev.sluice.io.files.WriteDeadLetters;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.Names;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricQueryResults;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code sluice replay}: a run's dead letters back through the same graph, under the spec as
 * it is now. What passes is written and stored as a run would (files named
 * {@code <feed>-replay-...} beside the run's own, rows upserted on the table key); what fails
 * again becomes a new dead letter. Replaying the same dead letters again writes the same files
 * and upserts the same keys: nothing is stored twice.
 *
 * <ol>
 *   <li>look the dead letters over on the client (how many, which cannot be replayed);
 *   <li>check the key opens them, and the database;
 *   <li>run the graph with {@link ReadDeadLetters} as its source;
 *   <li>keep the books: dead letters = replayed + not replayable, and the run's ledger.
 * </ol>
 */
public final class Replay {
  private static final Logger LOG = LoggerFactory.getLogger(Replay.class);
  /** {@code --deadLetters=jdbc}: the {@code sluice_dead_letters} table at {@code --jdbcUrl}. */
  public static final String TABLE_SOURCE = "jdbc";

  private Replay() {}

  /** The result of a replay and the pipeline result it came from (for reports). */
  public static final class Outcome {
    public final ReplayLedger ledger;
    public final PipelineResult result;
    public final FeedSpec spec;
    public final String output;

    Outcome(ReplayLedger ledger, PipelineResult result, FeedSpec spec, String output) {
      this.ledger = ledger;
      this.result = result;
      this.spec = spec;
      this.output = output;
    }
  }

  public static Outcome run(SluiceOptions options, String deadLetters) {
    if (options.getSpec() == null || options.getSpec().isEmpty()) {
      throw new SluiceException("--spec is required (the feed's spec as it is now)");
    }
    if (options.getOutput() == null || options.getOutput().isEmpty()) {
      throw new SluiceException("--output is required (where replayed rows' files and new dead"
          + " letters go; files are named <feed>-replay-...)");
    }
    FeedSpec spec =
        Feeds.withPartitioning(Feeds.load(options.getSpec()), options.getPartitioning());
    Protector protector = new Protector(Keys.load(options.getKeyFile()));
    String output = absolute(options.getOutput());
    // As a run: S3 endpoints from the environment, path-style for S3-compatible servers.
    S3FileSystems.configure(options, true);

    String jdbcUrl = options.getJdbcUrl();
    if ((jdbcUrl == null || jdbcUrl.isEmpty()) && System.getenv("SLUICE_JDBC_URL") != null) {
      jdbcUrl = System.getenv("SLUICE_JDBC_URL");
    }
    Database db = jdbcUrl == null || jdbcUrl.isEmpty() ? null : Database.of(jdbcUrl);

    // 1. The dead letters, looked over.
    DeadLetterInventory inventory;
    PTransform<PBegin, PCollection<RawRecord>> source;
    if (TABLE_SOURCE.equals(deadLetters)) {
      if (db == null) {
        throw new SluiceException("--deadLetters=" + TABLE_SOURCE + " needs --jdbcUrl (the"
            + " database whose sluice_dead_letters table holds them)");
      }
      inventory = DeadLetterInventory.ofTable(db, spec.name);
      source = ReadDeadLetters.table(db).forFeed(spec).withProtector(protector);
    } else {
      String location = absolute(deadLetters);
      boolean intoSameOutput = location.equals(output)
          || location.equals(output + "/" + WriteDeadLetters.FOLDER);
      inventory = DeadLetterInventory.ofFolder(location, spec.name, intoSameOutput);
      source = ReadDeadLetters.files(inventory.files).forFeed(spec).withProtector(protector);
    }

    // 2. The key and the database, before anything runs.
    if (inventory.sampleToken != null) {
      try {
        protector.decryptBytes(Protector.PAYLOAD_FIELD, inventory.sampleToken);
      } catch (RuntimeException e) {
        throw new SluiceException("the key does not open these dead letters' payloads ("
            + e.getMessage() + "); use the key file of the run that wrote them");
      }
    }
    FileFormat.suffix(options.getFormat());
    Sinks sinks = Sinks.files(output)
        .withFilePrefix(spec.name + "-replay")
        .withFormat(options.getFormat())
        .withCompression(FileFormat.compression(options.getCompression()))
        .withNumShards(positive(options.getNumShards(), "--numShards"))
        .withBatchSize(positive(options.getJdbcBatchSize(), "--jdbcBatchSize"));
    String table = null;
    long before = -1;
    if (db != null) {
      Tables.ensure(db, new PostgresDialect(), spec);
      spec = spec.withColumnLimits(Tables.textLimits(db, spec));
      sinks = sinks.withDatabase(db);
      table = spec.normalise == null ? spec.table : null;
      if (table != null) {
        before = count(db, table);
      }
    }

    // 3. The same graph, the dead letters as its source.
    Pipeline p = Pipeline.create(options);
    SluicePipeline.buildPipeline(p, spec, protector, source, sinks);
    LOG.info("replaying {} dead letters of feed {} from {} to {}", inventory.total, spec.name,
        inventory.location, output);
    PipelineResult result;
    RunWatch watch = RunWatch.of(options, "replay", spec.name, "dead letters at "
        + inventory.location, output, sinks.filePrefix());
    try {
      result = p.run();
      watch.running(result);
      result.waitUntilFinish();
    } catch (RuntimeException e) {
      watch.close();
      throw new SluiceException("the replay of feed " + spec.name + " failed: "
          + SluiceException.rootCause(e), e);
    }

    // 4. The books.
    RunLedger run = RunLedger.from(spec.name, result);
    Map<String, Long> not = new HashMap<>(inventory.notReplayable);
    Map<String, String> examples = new HashMap<>(inventory.examples);
    long cut = cutCount(result);
    if (cut > 0) {
      not.merge(ReadDeadLetters.CUT, cut, Long::sum);
      examples.putIfAbsent(ReadDeadLetters.CUT, "(see the dead letters over 64 MiB)");
    }
    long already = -1;
    if (table != null) {
      already = Math.max(0, run.written() - (count(db, table) - before));
    }
    ReplayLedger ledger =
        new ReplayLedger(run, inventory.total, not, examples, already, table);
    if (options.getSummary() != null && !options.getSummary().isEmpty()) {
      writeSummary(ledger, options.getSummary(), inventory.location, output);
    }
    try (watch) {
      ObjectNode books = ledger.toJson(new ObjectMapper());
      watch.finished(run, books);
    }
    return new Outcome(ledger, result, spec, output);
  }

  private static long cutCount(PipelineResult result) {
    MetricQueryResults m = result.metrics().queryMetrics(MetricsFilter.builder().build());
    long n = 0;
    for (MetricResult<Long> c : m.getCounters()) {
      if (c.getName().getNamespace().equals(ReadDeadLetters.NAMESPACE)
          && c.getName().getName().startsWith(ReadDeadLetters.NOT_REPLAYABLE_PREFIX)) {
        Long v = c.getAttempted();
        n += v == null ? 0 : v;
      }
    }
    return n;
  }

  private static long count(Database db, String table) {
    try (Connection c = db.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM \""
            + Names.requireSafe(table, "table") + "\"")) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new SluiceException(table + ": " + db.describe(e));
    }
  }

  private static void writeSummary(ReplayLedger ledger, String file, String from,
      String output) {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode json = ledger.toJson(mapper);
    json.put("replayed_from", from);
    json.put("output", output);
    try {
      Path path = Path.of(file).toAbsolutePath();
      if (path.getParent() != null) {
        Files.createDirectories(path.getParent());
      }
      Files.writeString(path, mapper.writeValueAsString(json) + "\n");
    } catch (IOException e) {
      throw new SluiceException("--summary=" + file + ": cannot be written (" + e.getMessage()
          + ")");
    }
  }

  private static String absolute(String location) {
    String l = location.endsWith("/") && location.length() > 1
        ? location.substring(0, location.length() - 1) : location;
    if (l.contains("://")) {
      return l;
    }
    return Path.of(l).toAbsolutePath().normalize().toString();
  }

  private static int positive(Integer v, String name) {
    if (v == null || v < 1) {
      throw new SluiceException(name + " must be a whole number of at least 1");
    }
    return v;
  }
}
