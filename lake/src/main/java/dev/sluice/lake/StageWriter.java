package dev.sluice.lake;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

/**
 * Writes checked rows into the staging table. Values are the database's text for each column
 * (see {@link ColumnType#convert}), null for NULL; the line number comes last.
 */
abstract class StageWriter implements AutoCloseable {
  abstract void add(String[] values, long line) throws SQLException;

  /** Sends what is buffered; returns rows written. */
  abstract long finish() throws SQLException;

  @Override
  public abstract void close();

  /** {@code COPY ... FROM STDIN WITH (FORMAT csv)}: unquoted empty is NULL, values quoted. */
  static StageWriter copy(Connection c, String copySql) throws SQLException {
    CopyIn in = c.unwrap(PGConnection.class).getCopyAPI().copyIn(copySql);
    return new StageWriter() {
      private final ByteArrayOutputStream buf = new ByteArrayOutputStream(1 << 16);
      private boolean done;

      @Override
      void add(String[] values, long line) throws SQLException {
        StringBuilder b = new StringBuilder();
        for (String v : values) {
          if (v != null) {
            b.append('"').append(v.replace("\"", "\"\"")).append('"');
          }
          b.append(',');
        }
        b.append(line).append('\n');
        byte[] bytes = b.toString().getBytes(StandardCharsets.UTF_8);
        buf.write(bytes, 0, bytes.length);
        if (buf.size() >= 1 << 16) {
          flush();
        }
      }

      private void flush() throws SQLException {
        if (buf.size() > 0) {
          in.writeToCopy(buf.toByteArray(), 0, buf.size());
          buf.reset();
        }
      }

      @Override
      long finish() throws SQLException {
        flush();
        done = true;
        return in.endCopy();
      }

      @Override
      public void close() {
        if (!done && in.isActive()) {
          try {
            in.cancelCopy();
          } catch (SQLException e) {
            // The transaction is rolled back anyway.
          }
        }
      }
    };
  }

  /** Batched {@code INSERT}s of {@code width} text parameters plus the line number. */
  static StageWriter inserts(Connection c, String insertSql, int width) throws SQLException {
    PreparedStatement ps = c.prepareStatement(insertSql);
    return new StageWriter() {
      private int pending;
      private long written;

      @Override
      void add(String[] values, long line) throws SQLException {
        for (int i = 0; i < width; i++) {
          ps.setString(i + 1, values[i]);
        }
        ps.setLong(width + 1, line);
        ps.addBatch();
        if (++pending == 1000) {
          flush();
        }
      }

      private void flush() throws SQLException {
        if (pending > 0) {
          for (int n : ps.executeBatch()) {
            written += Math.max(n, 0);
          }
          pending = 0;
        }
      }

      @Override
      long finish() throws SQLException {
        flush();
        return written;
      }

      @Override
      public void close() {
        try {
          ps.close();
        } catch (SQLException e) {
          // The transaction is rolled back anyway.
        }
      }
    };
  }
}
