package dev.sluice.io.jdbc;

import dev.sluice.io.SluiceException;
import java.io.Serializable;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * A target database: URL, optional password from the environment, and the connection
 * properties every Sluice connection uses. Server error details are off, because Postgres puts
 * the failing row's values into them and those may be personal data.
 */
public final class Database implements Serializable {
  public static final String ENV_PASSWORD = "SLUICE_JDBC_PASSWORD";
  private static final Pattern PASSWORD_PARAM =
      Pattern.compile("(?i)(password=)[^&;]*");
  private static final Pattern USERINFO = Pattern.compile("(//[^/@:]*:)[^/@]*@");

  private final String url;
  private final String password;

  private Database(String url, String password) {
    this.url = url;
    this.password = password;
  }

  public static Database of(String url) {
    return of(url, System.getenv(ENV_PASSWORD));
  }

  public static Database of(String url, String password) {
    if (url == null || !url.startsWith("jdbc:postgresql:")) {
      throw new SluiceException("--jdbcUrl=" + redact(url) + ": not a jdbc:postgresql: URL");
    }
    return new Database(url, password == null || password.isEmpty() ? null : password);
  }

  public String url() {
    return url;
  }

  public String password() {
    return password;
  }

  /** The URL as it may be shown: no password. */
  public String displayUrl() {
    return redact(url);
  }

  public static String redact(String url) {
    if (url == null) {
      return "null";
    }
    return USERINFO.matcher(PASSWORD_PARAM.matcher(url).replaceAll("$1***")).replaceAll("$1***@");
  }

  /** Properties for pgjdbc: batched inserts rewritten, no row values in server errors. */
  public Properties properties() {
    Properties p = new Properties();
    p.setProperty("reWriteBatchedInserts", "true");
    p.setProperty("logServerErrorDetail", "false");
    p.setProperty("connectTimeout", "10");
    if (password != null) {
      p.setProperty("password", password);
    }
    return p;
  }

  /** The same properties as a JdbcIO connection-properties string. */
  public String connectionProperties() {
    return "reWriteBatchedInserts=true;logServerErrorDetail=false;connectTimeout=10";
  }

  public Connection connect() {
    try {
      return open();
    } catch (SQLException e) {
      throw new SluiceException(describe(e));
    }
  }

  /** A new connection; its failure as the driver gives it (with its SQLSTATE, for retries). */
  public Connection open() throws SQLException {
    return DriverManager.getConnection(url, properties());
  }

  /** One line for a connection failure: what and where, never the password. */
  public String describe(SQLException e) {
    String state = e.getSQLState() == null ? "" : e.getSQLState();
    String where = "the database at " + displayUrl();
    if (state.startsWith("08")) {
      return "cannot reach " + where + " (" + firstLine(e.getMessage()) + ")";
    }
    if (state.equals("28P01") || state.equals("28000")) {
      return "the database at " + displayUrl() + " refused the login (check user and password)";
    }
    if (state.equals("3D000")) {
      return where + ": no such database";
    }
    if (state.startsWith("22")) {
      return where + ": " + withoutValues(firstLine(e.getMessage())) + " (SQLSTATE " + state
          + ")";
    }
    return where + ": " + firstLine(e.getMessage());
  }

  private static final Pattern QUOTED = Pattern.compile("\"[^\"]*\"|'[^']*'");

  /**
   * A data exception's message without the value it quotes: Postgres names the bad value
   * ({@code invalid input syntax for type integer: "..."}, {@code value "..." is out of range})
   * and the driver does too ({@code Bad value for type int : ...}); the value may be personal
   * data. What is left says what kind of value failed, which with the SQLSTATE is enough.
   */
  static String withoutValues(String message) {
    String m = message.startsWith("ERROR: ") ? message.substring(7) : message;
    int colon = m.indexOf(':');
    if (colon >= 0) {
      m = m.substring(0, colon).trim();
    }
    return QUOTED.matcher(m).replaceAll("(a value)");
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return redact(nl < 0 ? s : s.substring(0, nl));
  }
}
