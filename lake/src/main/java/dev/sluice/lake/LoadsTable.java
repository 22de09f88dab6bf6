package dev.sluice.lake;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** The load log as a text table, for {@code sluice loads} and the end of {@code sluice lake}. */
public final class LoadsTable {
  private static final String[] HEADER = {
    "processed_at", "status", "action", "table", "read", "loaded", "rejected", "changed", "object"
  };

  private LoadsTable() {}

  /** Prints rows under a header; a row that is not loaded gets its reason on the next line. */
  public static void print(List<LoadRecord> rows, PrintStream out) {
    List<String[]> cells = new ArrayList<>();
    cells.add(HEADER);
    for (LoadRecord r : rows) {
      cells.add(new String[] {
        r.processedAt == null ? "" : r.processedAt.toString(),
        Shown.safe(r.status),
        r.action == null ? "-" : Shown.safe(r.action),
        r.table == null ? "-" : (r.db == null ? "?" : r.db) + "." + r.table,
        Long.toString(r.rowsRead),
        Long.toString(r.rowsLoaded),
        Long.toString(r.rowsRejected),
        Long.toString(r.rowsChanged),
        Shown.safe(r.objectKey)
      });
    }
    int[] width = new int[HEADER.length];
    for (String[] row : cells) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    for (int n = 0; n < cells.size(); n++) {
      String[] row = cells.get(n);
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        boolean number = i >= 4 && i <= 7;
        String cell = row[i];
        if (i == row.length - 1) {
          b.append(cell);
        } else if (number && n > 0) {
          b.append(" ".repeat(width[i] - cell.length())).append(cell).append("  ");
        } else {
          b.append(cell).append(" ".repeat(width[i] - cell.length())).append("  ");
        }
      }
      out.println(b.toString().stripTrailing());
      if (n > 0) {
        LoadRecord r = rows.get(n - 1);
        if (r.reason != null && !LoadRecord.LOADED.equals(r.status)) {
          out.println("    reason: " + Shown.safe(r.reason));
        } else if (r.deadLetters != null) {
          out.println("    dead letters: " + Shown.safe(r.deadLetters));
        }
      }
    }
  }
}
