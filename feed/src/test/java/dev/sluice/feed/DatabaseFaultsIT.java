package dev.sluice.feed;

import static dev.sluice.feed.PipelineFixtures.eventsFile;
import static dev.sluice.feed.PipelineFixtures.eventsSpec;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.sluice.io.SluiceException;
import dev.sluice.io.jdbc.Database;
import dev.sluice.core.pii.SluiceKeys;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Faults of the database around a run, against a real PostgreSQL 17 of this class's own (it is
 * stopped and started again on the same port and data folder): a few seconds away costs a retry,
 * not the run; a run that does fail says where and why in one line without a row's value, and
 * the next run gives the exact table and files and removes what the failed run left.
 */
@RunWith(JUnit4.class)
public class DatabaseFaultsIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private Path data;
  private int port;
  private EmbeddedPostgres pg;

  @Before
  public void startPostgres() throws IOException {
    data = tmp.newFolder("pgdata").toPath();
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    pg = start();
  }

  @After
  public void stopPostgres() throws IOException {
    if (pg != null) {
      pg.close();
    }
  }

  private EmbeddedPostgres start() throws IOException {
    return EmbeddedPostgres.builder().setPort(port).setDataDirectory(data)
        .setCleanDataDirectory(false).start();
  }

  private String url() {
    return "jdbc:postgresql://localhost:" + port + "/postgres?user=postgres";
  }

  private SluiceOptions options() throws IOException {
    Path dir = tmp.getRoot().toPath();
    Path keyFile = dir.resolve("keys.json");
    if (!Files.exists(keyFile)) {
      PipelineFixtures.writeKeyFile(SluiceKeys.generate("v1"), dir);
    }
    SluiceOptions o = PipelineOptionsFactory.as(SluiceOptions.class);
    o.setSpec(eventsSpec().toString());
    o.setInput(eventsFile().toString());
    o.setOutput(dir.resolve("out/events").toString());
    o.setJdbcUrl(url());
    o.setKeyFile(keyFile.toString());
    o.setJdbcBatchSize(10);
    o.setCompression("none");
    return o;
  }

  private Set<String> tableKeys() throws SQLException {
    Set<String> keys = new TreeSet<>();
    try (Connection c = DriverManager.getConnection(url());
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT event_uuid FROM events")) {
      while (rs.next()) {
        assertTrue("no key twice", keys.add(rs.getString(1)));
      }
    }
    return keys;
  }

  private static long waitingCopies(Connection c) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM pg_stat_activity"
            + " WHERE wait_event_type = 'Lock' AND query LIKE 'COPY%'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static List<String> activity(Connection c) throws SQLException {
    List<String> out = new java.util.ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT state || ' ' || coalesce(wait_event_type, '-')"
            + " || ' ' || left(query, 50) FROM pg_stat_activity WHERE query <> ''")) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  /**
   * The run's first write waits on a lock the test holds; then the server stops for 3 s and
   * starts again: the run retries, and ends with every unique event in the table once.
   */
  @Test
  public void databaseAwayForSecondsMidRunCostsARetryNotTheRun() throws Exception {
    SluiceOptions o = options();
    try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE events (event_uuid text PRIMARY KEY, event_name text,"
          + " event_type text, event_subtype text, created_at timestamptz, payload jsonb,"
          + " email text, extra_fields jsonb)");
    }
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      Connection locker = DriverManager.getConnection(url());
      locker.setAutoCommit(false);
      try (Statement s = locker.createStatement()) {
        s.execute("LOCK TABLE events IN ACCESS EXCLUSIVE MODE");
      }
      // A second connection watches: the locker's transaction sees one snapshot of the stats.
      Connection watcher = DriverManager.getConnection(url());
      Future<RunLedger> run = runner.submit(() -> SluicePipeline.run(o));
      // The run is mid-write once its COPY waits on the lock (no clock involved).
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
      while (waitingCopies(watcher) == 0) {
        assertFalse("the run ended before it wrote", run.isDone());
        assertTrue("the run's COPY never started: " + activity(watcher),
            System.nanoTime() < deadline);
        Thread.sleep(20);
      }
      pg.close();
      pg = null;
      Thread.sleep(3000); // the outage itself
      pg = start();

      RunLedger ledger = run.get(5, TimeUnit.MINUTES);
      assertTrue(ledger.line(), ledger.balanced());
      assertEquals(60, ledger.written());
      assertEquals(PipelineFixtures.goodUniqueEvents(eventsFile()).keySet(), tableKeys());
    } finally {
      runner.shutdownNow();
    }
  }

  /**
   * The cafe feed's normalised tables take the same retries: the run's upsert into orders
   * waits on a lock the test holds, the server stops for 3 s and starts again, and the run
   * ends with every order of the sample in the tables once.
   */
  @Test
  public void databaseAwayForSecondsCostsTheCafeTablesARetryNotTheRun() throws Exception {
    SluiceOptions o = options();
    Path cafe = PipelineFixtures.testdata().resolve("cafe");
    o.setSpec(cafe.resolve("spec.json").toString());
    o.setInput(cafe.resolve("*.csv").toString());
    o.setOutput(tmp.getRoot().toPath().resolve("out/cafe").toString());
    dev.sluice.io.jdbc.NormalisedTables.ensure(Database.of(url()),
        Feeds.load(o.getSpec()));
    ExecutorService runner = Executors.newSingleThreadExecutor();
    try {
      Connection locker = DriverManager.getConnection(url());
      locker.setAutoCommit(false);
      try (Statement s = locker.createStatement()) {
        // SHARE: the run's DDL and views pass, its INSERTs into orders wait.
        s.execute("LOCK TABLE orders IN SHARE MODE");
      }
      Connection watcher = DriverManager.getConnection(url());
      Future<RunLedger> run = runner.submit(() -> SluicePipeline.run(o));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(600);
      while (waiting(watcher, "INSERT INTO \"orders\"%") == 0) {
        assertFalse("the run ended before it wrote", run.isDone());
        assertTrue("the run's upsert never started: " + activity(watcher),
            System.nanoTime() < deadline);
        Thread.sleep(20);
      }
      pg.close();
      pg = null;
      Thread.sleep(3000); // the outage itself
      pg = start();

      RunLedger ledger = run.get(5, TimeUnit.MINUTES);
      assertTrue(ledger.line(), ledger.balanced());
      // The sample: 66 lines in three files, eight of them broken (README, testdata/cafe).
      assertEquals(ledger.line(), 58, ledger.written());
      assertEquals(ledger.line(), 8, ledger.rejected());
      try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT (SELECT count(*) FROM orders),"
              + " (SELECT count(*) FROM branches), (SELECT count(*) FROM orders o"
              + " WHERE NOT EXISTS (SELECT 1 FROM order_items i WHERE i.order_id = o.order_id))")) {
        rs.next();
        assertEquals(58, rs.getLong(1));
        assertEquals(3, rs.getLong(2));
        assertEquals("orders without items", 0, rs.getLong(3));
      }
    } finally {
      runner.shutdownNow();
    }
  }

  private static long waiting(Connection c, String queryLike) throws SQLException {
    try (java.sql.PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM"
        + " pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE ?")) {
      ps.setString(1, queryLike);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /**
   * A row the table refuses fails the run with one line naming the server and the cause, and
   * no value; after the table is fixed the next run removes the leftovers (temp files of killed
   * runs planted here too) and leaves the exact table and files. (A CHECK constraint: a
   * varchar(n) too short is read at start and makes dead letters, see ExistingTablesIT.)
   */
  @Test
  public void failedRunSaysWhereAndWhyThenReRunIsExact() throws Exception {
    try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE events (event_uuid text PRIMARY KEY, event_name text"
          + " CONSTRAINT short_names CHECK (length(event_name) <= 4),"
          + " event_type text, event_subtype text, created_at timestamptz, payload jsonb,"
          + " email text, extra_fields jsonb)");
    }
    try {
      SluicePipeline.run(options());
      fail("event names break the table's check");
    } catch (SluiceException e) {
      String m = e.getMessage();
      assertFalse(m, m.contains("\n"));
      assertThat(m, containsString("localhost:" + port + "/postgres"));
      assertThat(m, containsString("violates check constraint \"short_names\""));
      for (String uuid : PipelineFixtures.goodUniqueEvents(eventsFile()).keySet()) {
        assertThat(m, not(containsString(uuid)));
      }
      assertThat(m, not(containsString("lesson")));
    }

    Path out = tmp.getRoot().toPath().resolve("out/events");
    Path stale = out.resolve(".temp-sluice-killed");
    Path staleDead = out.resolve("_dead_letters/.temp-sluice-killed");
    Files.createDirectories(stale);
    Files.createDirectories(staleDead);
    Files.writeString(stale.resolve("part-1.gz"), "left by a killed run");
    Files.writeString(staleDead.resolve("part-2.gz"), "left by a killed run");
    try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
      s.execute("ALTER TABLE events DROP CONSTRAINT short_names");
    }

    RunLedger ledger = SluicePipeline.run(options());

    assertTrue(ledger.line(), ledger.balanced());
    assertEquals(PipelineFixtures.goodUniqueEvents(eventsFile()).keySet(), tableKeys());
    List<Path> all;
    try (Stream<Path> files = Files.walk(out)) {
      all = files.collect(Collectors.toList());
    }
    assertTrue(all.toString(), all.stream().noneMatch(
        p -> p.getFileName().toString().startsWith(".temp-sluice-")));
    long rows = 0;
    for (Path p : all) {
      if (Files.isRegularFile(p) && !out.relativize(p).startsWith("_dead_letters")) {
        rows += PipelineFixtures.lines(p).size();
      }
    }
    assertEquals(60, rows);
  }

  /** A server's data error quotes the bad value; what Sluice shows of it does not. */
  @Test
  public void databaseErrorsShownWithoutValues() throws Exception {
    Database db = Database.of(url(), null);
    try (Connection c = db.open(); Statement s = c.createStatement()) {
      s.executeQuery("SELECT 'secret-4711'::integer");
      fail("not an integer");
    } catch (SQLException e) {
      assertThat(e.getMessage(), containsString("secret-4711"));
      String shown = db.describe(e);
      assertThat(shown, not(containsString("secret-4711")));
      assertThat(shown, containsString("invalid input syntax for type integer"));
      assertThat(shown, containsString("localhost:" + port));
    }
  }
}
