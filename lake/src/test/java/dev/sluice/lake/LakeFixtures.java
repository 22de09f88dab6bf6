package dev.sluice.lake;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Real parts for the lake tests, started and stopped by them: S3Proxy in-process over an
 * in-memory jclouds store, and an embedded PostgreSQL 17. Each test gets its own bucket and its
 * own database. Also the independent reading of the test CSVs the assertions compare against.
 */
final class LakeFixtures implements AutoCloseable {
  static final String ACCESS_KEY = "lake-it";
  static final String SECRET_KEY = "lake-it-secret";
  private static final AtomicInteger COUNTER = new AtomicInteger();

  final EmbeddedPostgres pg;
  private final BlobStoreContext context;
  private final S3Proxy proxy;
  final URI endpoint;

  private LakeFixtures(EmbeddedPostgres pg, BlobStoreContext context, S3Proxy proxy,
      URI endpoint) {
    this.pg = pg;
    this.context = context;
    this.proxy = proxy;
    this.endpoint = endpoint;
  }

  /** Starts Postgres and S3Proxy; {@link #close} stops both, whatever happened. */
  static LakeFixtures start() throws Exception {
    EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
    BlobStoreContext context = null;
    try {
      context = ContextBuilder.newBuilder("transient")
          .credentials("identity", "credential")
          .build(BlobStoreContext.class);
      S3Proxy proxy = S3Proxy.builder()
          .blobStore(context.getBlobStore())
          .endpoint(URI.create("http://127.0.0.1:0"))
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
          .ignoreUnknownHeaders(true)
          .build();
      proxy.start();
      assertEquals("STARTED", proxy.getState());
      return new LakeFixtures(pg, context, proxy,
          URI.create("http://127.0.0.1:" + proxy.getPort()));
    } catch (Exception | Error e) {
      if (context != null) {
        context.close();
      }
      pg.close();
      throw e;
    }
  }

  @Override
  public void close() throws Exception {
    try {
      proxy.stop();
    } finally {
      try {
        context.close();
      } finally {
        pg.close();
      }
    }
  }

  BlobStore store() {
    return context.getBlobStore();
  }

  /** A new, empty bucket. */
  String newBucket() {
    String bucket = "lake-it-" + COUNTER.incrementAndGet();
    assertTrue(store().createContainerInLocation(null, bucket));
    return bucket;
  }

  void put(String bucket, String key, byte[] content) {
    store().putBlob(bucket, store().blobBuilder(key).payload(content)
        .contentLength(content.length).build());
  }

  void put(String bucket, String key, Path file) throws IOException {
    put(bucket, key, Files.readAllBytes(file));
  }

  byte[] get(String bucket, String key) throws IOException {
    var blob = store().getBlob(bucket, key);
    if (blob == null) {
      return null;
    }
    try (var in = blob.getPayload().openStream()) {
      return in.readAllBytes();
    }
  }

  /** A new, empty database; returns its JDBC URL. */
  String newDatabase() throws SQLException {
    String name = "lake_it_" + COUNTER.incrementAndGet();
    try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"));
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return pg.getJdbcUrl("postgres", name);
  }

  /** Options for a lake in an S3 bucket. */
  LakeOptions options(String input, String jdbcUrl, String dialect) {
    LakeOptions o = PipelineOptionsFactory.as(LakeOptions.class);
    o.setInput(input);
    o.setJdbcUrl(jdbcUrl);
    o.setDialect(dialect);
    o.setEndpoint(endpoint);
    o.setAwsRegion(Region.US_EAST_1);
    o.setAwsCredentialsProvider(
        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)));
    return o;
  }

  static Path testdata(String file) {
    Path root = Path.of(System.getProperty("user.dir")).getParent().resolve("testdata/lake");
    return root.resolve(file);
  }

  // ---- reading the database -----------------------------------------------------------------

  /** Query results as lines of {@code |}-joined values (null as NULL), in query order. */
  static List<String> rows(String url, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          String v = rs.getString(i);
          b.append(i > 1 ? "|" : "").append(v == null ? "NULL" : v);
        }
        out.add(b.toString());
      }
    }
    return out;
  }

  static void execute(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /** The load log as {@code status|action|table|rows_read|rows_loaded|rows_rejected|rows_changed}, in processing order. */
  static List<String> log(String url) throws SQLException {
    return rows(url, "SELECT status, action, table_name, rows_read, rows_loaded, rows_rejected,"
        + " rows_changed FROM public.sluice_load_log ORDER BY processed_at, object_key");
  }

  /** Schemas in the database other than the system's. */
  static List<String> userSchemas(String url) throws SQLException {
    return rows(url, "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'"
        + " AND nspname <> 'information_schema' ORDER BY nspname");
  }

  /** Tables in the database other than the system's, as {@code schema.table}. */
  static List<String> userTables(String url) throws SQLException {
    return rows(url, "SELECT table_schema || '.' || table_name FROM information_schema.tables"
        + " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        + " ORDER BY 1");
  }

  // ---- the expected side, read from the test files without the loader's code ----------------

  /**
   * A user_data table as the tests expect it: identifier to {@code username|first|last[|email]}
   * values, built by applying the test CSV files with plain string splitting.
   */
  static final class ExpectedUsers {
    final TreeMap<Integer, Map<String, String>> rows = new TreeMap<>();
    final List<String> columns = new ArrayList<>(
        List.of("identifier", "username", "first_name", "last_name"));

    /**
     * Upserts a semicolon-separated file; later rows of a key win. Returns how many table rows
     * changed (new, or with a different value).
     */
    int append(Path file) throws IOException {
      Map<Integer, Map<String, String>> before = new TreeMap<>();
      rows.forEach((k, v) -> before.put(k, new LinkedHashMap<>(v)));
      for (Map<String, String> r : read(file)) {
        rows.computeIfAbsent(Integer.parseInt(r.get("identifier")), k -> new LinkedHashMap<>())
            .putAll(r);
      }
      int changed = 0;
      for (Map.Entry<Integer, Map<String, String>> e : rows.entrySet()) {
        if (!e.getValue().equals(before.get(e.getKey()))) {
          changed++;
        }
      }
      return changed;
    }

    /** Replaces the rows with the file's; returns the rows the table then holds. */
    int truncate(Path file) throws IOException {
      rows.clear();
      return append(file);
    }

    void addColumn(String name) {
      columns.add(name);
    }

    /** Lines as {@link LakeFixtures#rows} prints {@code SELECT <columns> ... ORDER BY identifier}. */
    List<String> lines() {
      List<String> out = new ArrayList<>();
      for (Map.Entry<Integer, Map<String, String>> e : rows.entrySet()) {
        StringBuilder b = new StringBuilder();
        for (String c : columns) {
          String v = c.equals("identifier") ? e.getKey().toString() : e.getValue().get(c);
          b.append(b.length() > 0 ? "|" : "").append(v == null ? "NULL" : v);
        }
        out.add(b.toString());
      }
      return out;
    }

    String select() {
      return "SELECT " + String.join(", ", columns) + " FROM analytics.user_data"
          + " ORDER BY identifier";
    }

    static List<Map<String, String>> read(Path file) throws IOException {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      String[] header = lines.get(0).split(";", -1);
      List<Map<String, String>> out = new ArrayList<>();
      for (String line : lines.subList(1, lines.size())) {
        String[] f = line.split(";", -1);
        Map<String, String> r = new LinkedHashMap<>();
        for (int i = 0; i < header.length; i++) {
          r.put(header[i].trim().toLowerCase(Locale.ROOT).replace(' ', '_'), f[i].trim());
        }
        out.add(r);
      }
      return out;
    }
  }
}
