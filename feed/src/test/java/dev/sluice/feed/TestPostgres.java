package dev.sluice.feed;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.rules.ExternalResource;

/**
 * An embedded PostgreSQL 17 for a test class ({@code @ClassRule}): started before its first
 * test, stopped after its last even when tests fail, with a fresh database per test.
 */
public final class TestPostgres extends ExternalResource {
  private final String prefix;
  private final AtomicInteger databases = new AtomicInteger();
  private EmbeddedPostgres pg;

  /** {@code prefix} names the databases: {@code <prefix>_1}, {@code <prefix>_2}, ... */
  public TestPostgres(String prefix) {
    this.prefix = prefix;
  }

  @Override
  protected void before() throws IOException {
    pg = EmbeddedPostgres.builder().start();
  }

  @Override
  protected void after() {
    if (pg != null) {
      try {
        pg.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A new, empty database; its JDBC URL (user postgres, no password). */
  public String newDatabase() throws SQLException {
    String name = prefix + "_" + databases.incrementAndGet();
    try (Connection c = DriverManager.getConnection(pg.getJdbcUrl("postgres", "postgres"));
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    }
    return pg.getJdbcUrl("postgres", name);
  }
}
