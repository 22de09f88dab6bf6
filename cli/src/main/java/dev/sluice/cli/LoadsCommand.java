package dev.sluice.cli;

import dev.sluice.io.SluiceException;
import dev.sluice.lake.LakeDatabase;
import dev.sluice.lake.LoadLog;
import dev.sluice.lake.LoadRecord;
import dev.sluice.lake.LoadsQuery;
import dev.sluice.lake.LoadsTable;
import dev.sluice.lake.LakeLoader;
import java.io.PrintStream;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code sluice loads}: what the lake loader loaded into a table, and when, newest first. */
@Command(name = "loads", mixinStandardHelpOptions = true,
    description = "Print the lake loader's load log, newest first.")
final class LoadsCommand implements Callable<Integer> {
  private final PrintStream out;

  @Option(names = "--jdbcUrl", required = true,
      description = "JDBC URL of the database holding the load log. The password may come from"
          + " SLUICE_JDBC_PASSWORD.")
  String jdbcUrl;

  @Option(names = "--table", description = "Only loads into this table.")
  String table;

  @Option(names = "--db", description = "Only loads into this db (database schema).")
  String db;

  @Option(names = "--since",
      description = "Only loads processed at or after this time (2024-03-01T00:00:00Z or"
          + " 2024-03-01).")
  String since;

  @Option(names = "--limit", description = "At most this many rows (default 1000).")
  String limit;

  @Option(names = "--logSchema", defaultValue = "public",
      description = "Database schema of the load log (default public).")
  String logSchema;

  LoadsCommand(PrintStream out) {
    this.out = out;
  }

  @Override
  public Integer call() {
    LoadsQuery q;
    try {
      q = LoadsQuery.of(table, db, since, limit);
    } catch (IllegalArgumentException e) {
      throw new SluiceException(e.getMessage());
    }
    LakeDatabase database = LakeDatabase.of(jdbcUrl);
    LoadLog log;
    try {
      log = new LoadLog(logSchema, LakeLoader.dialectFor(database));
    } catch (RuntimeException e) {
      throw new SluiceException("--logSchema=" + logSchema + ": " + e.getMessage());
    }
    List<LoadRecord> rows;
    try (Connection c = database.connect()) {
      if (!log.exists(c)) {
        out.println("no loads: there is no load log in schema " + logSchema + " at "
            + database.displayUrl() + " yet (sluice lake makes it)");
        return SluiceCli.OK;
      }
      rows = log.query(c, q);
    } catch (SQLException e) {
      throw new SluiceException(database.describe(e));
    }
    if (rows.isEmpty()) {
      out.println("no loads" + (table == null ? "" : " into table " + table)
          + (since == null ? "" : " since " + since));
      return SluiceCli.OK;
    }
    LoadsTable.print(rows, out);
    return SluiceCli.OK;
  }
}
