package dev.sluice.bench;

import dev.sluice.feed.Feeds;
import dev.sluice.io.jdbc.CopyText;
import dev.sluice.io.jdbc.Database;
import dev.sluice.io.jdbc.PostgresDialect;
import dev.sluice.io.jdbc.SqlDialect;
import dev.sluice.io.jdbc.Tables;
import dev.sluice.io.jdbc.WriteRows;
import dev.sluice.core.RecordParser;
import dev.sluice.core.RecordProtector;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.pii.SluiceKeys;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldType;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.GenerateSequence;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.Row;
import org.postgresql.PGConnection;

/**
 * Rows per second of Sluice's Postgres sink ({@link WriteRows}, run by the DirectRunner as
 * {@code sluice run} runs it) against {@code COPY FROM STDIN} of the same rows into the same
 * table on the same server, from one connection. The rows are the bench feed's output rows
 * (generated events, parsed and protected), prepared in memory before any timing, so each
 * figure is the database path alone. Each method starts from an empty table.
 *
 * <pre>
 * java -cp ... dev.sluice.bench.JdbcBench --rows=1000000 --spec=bench/specs/events.json \
 *     [--jdbcUrl=jdbc:postgresql://...] [--batchSize=1000] [--repeat=3]
 * </pre>
 *
 * <p>Methods: {@code copy} (the bar), {@code sluice} (the sink as shipped: COPY into a staging
 * table, then INSERT ... ON CONFLICT), {@code jdbcio} (the sink before: JdbcIO batches of
 * INSERT ... ON CONFLICT with reWriteBatchedInserts), and {@code sluice-replay} (the sink
 * again over the same rows: every row conflicts and is unchanged, so nothing is written).
 */
public final class JdbcBench {
  /** The rows, shared with the DirectRunner's threads (same JVM). */
  static volatile List<Row> rows;

  private JdbcBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    int n = Integer.parseInt(a.getOrDefault("rows", "1000000"));
    int batch = Integer.parseInt(a.getOrDefault("batchSize", "1000"));
    int repeat = Integer.parseInt(a.getOrDefault("repeat", "3"));
    List<String> methods = List.of(a.getOrDefault("methods", "copy,sluice,jdbcio,sluice-replay")
        .split(","));
    FeedSpec spec = Feeds.load(a.getOrDefault("spec", "bench/specs/events.json"));
    rows = prepare(spec, n);
    EmbeddedPostgres pg = null;
    String url = a.get("jdbcUrl");
    if (url == null) {
      pg = EmbeddedPostgres.builder().start();
      url = pg.getJdbcUrl("postgres", "postgres");
    }
    Database db = Database.of(url, null);
    Tables.ensure(db, new PostgresDialect(), spec);
    try {
      System.out.printf("rows %d, batch %d, table %s, postgres %s%n", n, batch, spec.table,
          serverVersion(db));
      for (int r = 1; r <= repeat; r++) {
        StringBuilder line = new StringBuilder("run " + r + ":");
        double copy = 0;
        for (String m : methods) {
          double rate;
          switch (m) {
            case "copy":
              truncate(db, spec.table);
              rate = copy(db, spec, n);
              copy = rate;
              break;
            case "sluice":
              truncate(db, spec.table);
              rate = sink(db, spec, n, batch, new PostgresDialect());
              break;
            case "sluice-replay":
              rate = sink(db, spec, n, batch, new PostgresDialect());
              break;
            case "jdbcio":
              truncate(db, spec.table);
              rate = sink(db, spec, n, batch, new JdbcIoPostgres());
              break;
            default:
              throw new IllegalArgumentException("unknown method " + m);
          }
          line.append(String.format("  %s %.0f rows/s", m, rate));
          if (copy > 0 && !m.equals("copy")) {
            line.append(String.format(" (%.2fx copy)", rate / copy));
          }
          check(db, spec.table, n);
        }
        System.out.println(line);
      }
    } finally {
      if (pg != null) {
        pg.close();
      }
    }
  }

  /** The bench feed's output rows for n generated events (duplicates and broken left out). */
  static List<Row> prepare(FeedSpec spec, int n) {
    Generate.Events events = new Generate.Events(1, n, 0, 0, 1709251200L, 14);
    SluiceKeys keys = SluiceKeys.generate("v1");
    RecordParser parser = new RecordParser(spec);
    RecordProtector protector = new RecordProtector(spec, new Protector(keys));
    List<Row> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      RecordParser.Result r = parser.parse(RawRecord.of(
          events.next().getBytes(StandardCharsets.UTF_8), "bench:" + i));
      out.add(protector.protect(r.row));
    }
    return out;
  }

  static double copy(Database db, FeedSpec spec, int n) throws Exception {
    Map<String, FieldType> cols = Tables.columns(spec);
    List<FieldType> types = new ArrayList<>(cols.values());
    List<byte[]> chunks = new ArrayList<>();
    StringBuilder b = new StringBuilder(1 << 20);
    for (Row row : rows) {
      for (int i = 0; i < types.size(); i++) {
        if (i > 0) {
          b.append('\t');
        }
        CopyText.append(b, types.get(i), row.getValue(i));
      }
      b.append('\n');
      if (b.length() > (1 << 20)) {
        chunks.add(b.toString().getBytes(StandardCharsets.UTF_8));
        b.setLength(0);
      }
    }
    chunks.add(b.toString().getBytes(StandardCharsets.UTF_8));
    StringBuilder names = new StringBuilder();
    for (String c : cols.keySet()) {
      names.append(names.length() == 0 ? "" : ", ").append(SqlDialect.quote(c));
    }
    String sql = "COPY " + SqlDialect.quote(spec.table) + " (" + names + ") FROM STDIN";
    try (Connection c = db.connect()) {
      Enumeration<InputStream> parts = Collections.enumeration(
          chunks.stream().map(x -> (InputStream) new ByteArrayInputStream(x)).toList());
      long t0 = System.nanoTime();
      c.unwrap(PGConnection.class).getCopyAPI().copyIn(sql, new SequenceInputStream(parts));
      return n / ((System.nanoTime() - t0) / 1e9);
    }
  }

  /** The sink in a pipeline of its own on the DirectRunner: row i of the prepared rows. */
  static double sink(Database db, FeedSpec spec, int n, int batch, SqlDialect dialect) {
    DirectOptions options = PipelineOptionsFactory.as(DirectOptions.class);
    options.setEnforceImmutability(false);
    options.setEnforceEncodability(false);
    options.setBlockOnRun(true);
    Pipeline p = Pipeline.create(options);
    p.apply(GenerateSequence.from(0).to(n))
        .apply("PreparedRow", ParDo.of(new RowAt()))
        .setRowSchema(spec.outputSchema())
        .apply(WriteRows.of(spec).to(db).withDialect(dialect).withBatchSize(batch));
    long t0 = System.nanoTime();
    p.run().waitUntilFinish();
    return n / ((System.nanoTime() - t0) / 1e9);
  }

  static final class RowAt extends DoFn<Long, Row> {
    @ProcessElement
    public void process(@Element Long i, OutputReceiver<Row> out) {
      out.output(rows.get(i.intValue()));
    }
  }

  /** Postgres SQL through JdbcIO's batched INSERT path: what WriteRows did before COPY. */
  static final class JdbcIoPostgres implements SqlDialect {
    private final PostgresDialect pg = new PostgresDialect();

    @Override
    public String name() {
      return pg.name();
    }

    @Override
    public String createTable(String table, Map<String, FieldType> columns, List<String> key) {
      return pg.createTable(table, columns, key);
    }

    @Override
    public String upsert(String table, Map<String, FieldType> columns, List<String> key) {
      return pg.upsert(table, columns, key);
    }
  }

  static void truncate(Database db, String table) throws Exception {
    try (Connection c = db.connect(); Statement s = c.createStatement()) {
      s.execute("TRUNCATE " + SqlDialect.quote(table));
      s.execute("VACUUM ANALYZE " + SqlDialect.quote(table));
    }
  }

  static void check(Database db, String table, int n) throws Exception {
    try (Connection c = db.connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*) FROM " + SqlDialect.quote(table))) {
      r.next();
      if (r.getLong(1) != n) {
        throw new IllegalStateException(table + " holds " + r.getLong(1) + " rows, not " + n);
      }
    }
  }

  static String serverVersion(Database db) throws Exception {
    try (Connection c = db.connect(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SHOW server_version")) {
      r.next();
      return r.getString(1);
    }
  }
}
