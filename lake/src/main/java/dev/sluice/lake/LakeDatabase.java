package dev.sluice.lake;

import dev.sluice.io.SluiceException;
import dev.sluice.io.jdbc.Database;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * The lake loader's database: a {@code jdbc:postgresql:} URL (pgjdbc) or a
 * {@code jdbc:redshift:} URL (the Redshift driver). The password may sit in the URL or in
 * {@code SLUICE_JDBC_PASSWORD}; it is never shown ({@link Database#redact}).
 */
public final class LakeDatabase implements Serializable {
  private final String url;
  private final String password;

  private LakeDatabase(String url, String password) {
    this.url = url;
    this.password = password;
  }

  public static LakeDatabase of(String url) {
    return of(url, System.getenv(Database.ENV_PASSWORD));
  }

  public static LakeDatabase of(String url, String password) {
    if (url == null || url.isEmpty()) {
      throw new SluiceException("--jdbcUrl is required (jdbc:postgresql://host:5432/db?user=u or"
          + " jdbc:redshift://cluster:5439/db?user=u)");
    }
    if (!url.startsWith("jdbc:postgresql:") && !url.startsWith("jdbc:redshift:")) {
      throw new SluiceException("--jdbcUrl=" + Database.redact(url)
          + ": not a jdbc:postgresql: or jdbc:redshift: URL");
    }
    return new LakeDatabase(url, password == null || password.isEmpty() ? null : password);
  }

  /** True for a {@code jdbc:redshift:} URL. */
  public boolean isRedshiftUrl() {
    return url.startsWith("jdbc:redshift:");
  }

  public String displayUrl() {
    return Database.redact(url);
  }

  Properties properties() {
    Properties p;
    if (isRedshiftUrl()) {
      p = new Properties();
      p.setProperty("loginTimeout", "10");
      if (password != null) {
        p.setProperty("password", password);
      }
    } else {
      p = Database.of(url, password).properties();
    }
    return p;
  }

  /** A connection, or a one-line {@link SluiceException} saying why there is none. */
  public Connection connect() {
    try {
      return DriverManager.getConnection(url, properties());
    } catch (SQLException e) {
      throw new SluiceException(describe(e));
    }
  }

  /** One line for a database failure: what and where, never the password. */
  public String describe(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String where = "the database at " + displayUrl();
    if (state.startsWith("08")) {
      return "cannot reach " + where + " (" + firstLine(e.getMessage()) + ")";
    }
    if (state.equals("28P01") || state.equals("28000")) {
      return where + " refused the login (check user and password)";
    }
    if (state.equals("3D000")) {
      return where + ": no such database";
    }
    return where + ": " + firstLine(e.getMessage());
  }

  /** True when a failure means the connection itself is gone. */
  static boolean connectionLost(SQLException e) {
    String state = e.getSQLState();
    return state != null && state.startsWith("08");
  }

  static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return Database.redact(nl < 0 ? s : s.substring(0, nl)).strip();
  }
}
