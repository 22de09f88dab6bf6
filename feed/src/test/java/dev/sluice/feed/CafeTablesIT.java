package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import dev.sluice.io.jdbc.Database;
import dev.sluice.io.jdbc.PostgresDialect;
import dev.sluice.io.jdbc.Tables;
import dev.sluice.io.metrics.SinkCounters;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.pii.SluiceKeys;
import dev.sluice.core.spec.FeedSpec;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.metrics.MetricNameFilter;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The cafe feed's tables on a real PostgreSQL 17 (embedded, started here): DDL made by several
 * runs at once, keys and foreign keys, a table of the wrong shape refused at start, and the
 * graph's normaliser hook writing all four tables from an in-memory source.
 */
@RunWith(JUnit4.class)
public class CafeTablesIT {
  @ClassRule public static final TestPostgres PG = new TestPostgres("cafe_it");

  private static String newDatabase() throws SQLException {
    return PG.newDatabase();
  }

  private static List<String> column(String url, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      while (rs.next()) {
        out.add(rs.getString(1));
      }
    }
    return out;
  }

  private static FeedSpec spec() {
    return Feeds.load(PipelineFixtures.testdata().resolve("cafe/spec.json").toString());
  }

  /** Four runs creating the tables and views at once all succeed; the constraints are there. */
  @Test
  public void concurrentDdlMakesOneSetOfTablesWithForeignKeys() throws Exception {
    String url = newDatabase();
    FeedSpec spec = spec();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    try {
      List<Future<?>> all = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        all.add(pool.submit(() -> {
          go.await();
          Tables.ensure(Database.of(url, null), new PostgresDialect(), spec);
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : all) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(List.of("branches", "order_items", "orders", "products"),
        column(url, "SELECT table_name FROM information_schema.tables WHERE table_schema ="
            + " current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"));
    assertEquals(List.of("cafe_payment_mix", "cafe_sales_per_product_day",
            "cafe_takings_per_branch_hour"),
        column(url, "SELECT table_name FROM information_schema.views WHERE table_schema ="
            + " current_schema() ORDER BY 1"));
    assertEquals(List.of("order_items.order_id -> orders", "order_items.product_id -> products",
            "orders.branch_id -> branches"),
        column(url, "SELECT kcu.table_name || '.' || kcu.column_name || ' -> ' || ccu.table_name"
            + " FROM information_schema.table_constraints tc"
            + " JOIN information_schema.key_column_usage kcu USING (constraint_name)"
            + " JOIN information_schema.constraint_column_usage ccu USING (constraint_name)"
            + " WHERE tc.constraint_type = 'FOREIGN KEY' ORDER BY 1"));
    assertEquals(List.of("size"), column(url, "SELECT column_name FROM"
        + " information_schema.columns WHERE table_schema = current_schema() AND table_name IN"
        + " ('branches', 'products', 'orders', 'order_items') AND is_nullable = 'YES'"));
  }

  /** An existing orders table without the columns Sluice writes is refused, naming them. */
  @Test
  public void ordersTableOfAnotherShapeIsRefused() throws Exception {
    String url = newDatabase();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE orders (order_id text PRIMARY KEY, amount numeric)");
    }
    try {
      Tables.ensure(Database.of(url, null), new PostgresDialect(), spec());
      fail("a wrong orders table must be refused");
    } catch (SluiceException e) {
      assertThat(e.getMessage(), containsString("table orders at jdbc:postgresql:"));
      assertThat(e.getMessage(),
          containsString("lacks columns [branch_id, ordered_at, total, payment_type]"));
    }
  }

  private static long stored(PipelineResult result, String table) {
    long sum = 0;
    for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder()
        .addNameFilter(MetricNameFilter.named(SinkCounters.STORED, table)).build())
        .getCounters()) {
      sum += c.getCommitted();
    }
    return sum;
  }

  /** The graph with an in-memory source: the hook fills all four tables, twice the same. */
  @Test
  public void buildPipelineWritesTheNormalisedTables() throws Exception {
    String url = newDatabase();
    FeedSpec spec = spec();
    Database db = Database.of(url, null);
    Tables.ensure(db, new PostgresDialect(), spec);
    Protector protector = new Protector(SluiceKeys.generate("v1"));
    List<RawRecord> lines = new ArrayList<>();
    String[] csv = {
      "25/08/2021 09:00,Leeds,Ann Lee,\"Regular Flat white - 2.15, Large Latte - 2.45\",4.60,"
          + "CARD,5494173772652516",
      "25/08/2021 09:00,Leeds,Bo Ray,\"Regular Flat white - 2.15, Large Latte - 2.45\",4.60,"
          + "CARD,4111111111111111",
      "25/08/2021 09:30,Uppingham,Cy Ng,\"Large Latte - 2.45\",2.45,CASH,",
      "25/08/2021 09:31,Uppingham,Di Po,\"Large Latte - 2.45\",2.50,CASH,",
    };
    for (int i = 0; i < csv.length; i++) {
      lines.add(RawRecord.of(csv[i].getBytes(StandardCharsets.UTF_8), "mem:" + (i + 1)));
    }
    for (int run = 0; run < 2; run++) {
      Pipeline p = Pipeline.create(PipelineOptionsFactory.create());
      SluicePipeline.buildPipeline(p, spec, protector,
          Create.of(lines).withCoder(RawRecord.RawRecordCoder.of()),
          Sinks.none().withDatabase(db));
      PipelineResult result = p.run();
      result.waitUntilFinish();
      if (run == 0) {
        // A first run stores each table's rows once: the counters are the tables' row counts.
        for (String table : List.of("branches", "products", "orders", "order_items")) {
          assertEquals(table, column(url, "SELECT count(*) FROM " + table),
              List.of(String.valueOf(stored(result, table))));
        }
      }
      assertEquals(List.of("2"), column(url, "SELECT count(*) FROM branches"));
      assertEquals(List.of("2"), column(url, "SELECT count(*) FROM products"));
      assertEquals(List.of("3"), column(url, "SELECT count(*) FROM orders"));
      assertEquals(List.of("5"), column(url, "SELECT count(*) FROM order_items"));
      assertEquals(List.of("Latte|3", "Flat white|2"), column(url, "SELECT product || '|' ||"
          + " quantity FROM cafe_sales_per_product_day ORDER BY quantity DESC"));
    }
    assertTrue(column(url, "SELECT count(*) FROM orders WHERE total = 2.50").contains("0"));
  }
}
