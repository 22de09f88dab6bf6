package dev.sluice.lake;

import dev.sluice.core.spec.Names;
import java.util.Objects;

/**
 * An object key read as data: {@code <db>/<action>/<table>/<file>}, relative to the lake's
 * prefix. {@code <db>} and {@code <table>} must be safe names ({@link Names#SAFE}) and not
 * reserved; {@code <action>} one of {@link LakeAction}; {@code <file>} anything non-empty (it is
 * never used in SQL or a path). Anything else is refused with a reason that shows no raw bytes.
 *
 * <pre>{@code LakeKey k = LakeKey.parse("analytics/append/user_data/2024-03-01.csv"); }</pre>
 */
public final class LakeKey {
  /** Names that would reach a system catalog or the dead-letter folder. */
  static final String DEAD_LETTERS_FOLDER = "_dead_letters";

  private final String db;
  private final LakeAction action;
  private final String table;
  private final String file;
  private final String refusal;

  private LakeKey(String db, LakeAction action, String table, String file, String refusal) {
    this.db = db;
    this.action = action;
    this.table = table;
    this.file = file;
    this.refusal = refusal;
  }

  /** Parses a key relative to the lake prefix. Never throws; see {@link #refusal()}. */
  public static LakeKey parse(String relativeKey) {
    Objects.requireNonNull(relativeKey, "relativeKey");
    String[] parts = relativeKey.split("/", -1);
    if (parts.length != 4) {
      return refused("key has " + parts.length + " part" + (parts.length == 1 ? "" : "s")
          + " where <db>/<action>/<table>/<file> has 4");
    }
    String db = parts[0];
    String actionWord = parts[1];
    String table = parts[2];
    String file = parts[3];
    String why = nameProblem("db", db);
    if (why != null) {
      return refused(why);
    }
    if (db.startsWith("pg_") || db.equals("information_schema")
        || db.equals(DEAD_LETTERS_FOLDER)) {
      return refused("db name '" + db + "' is reserved");
    }
    LakeAction action = LakeAction.fromWord(actionWord);
    if (action == null) {
      return refused("action '" + Names.printable(actionWord)
          + "' is not one of append, truncate, schema");
    }
    why = nameProblem("table", table);
    if (why != null) {
      return refused(why);
    }
    if (file.isEmpty()) {
      return refused("the file part of the key is empty");
    }
    return new LakeKey(db, action, table, file, null);
  }

  private static String nameProblem(String what, String name) {
    if (Names.isSafe(name)) {
      return null;
    }
    return what + " name '" + Names.printable(name) + "' is not allowed; names must match "
        + Names.SAFE.pattern();
  }

  private static LakeKey refused(String reason) {
    return new LakeKey(null, null, null, null, reason);
  }

  /** True when the key names a db, an action and a table that may reach SQL. */
  public boolean valid() {
    return refusal == null;
  }

  /** Why the key is refused, or null. */
  public String refusal() {
    return refusal;
  }

  public String db() {
    return db;
  }

  public LakeAction action() {
    return action;
  }

  public String table() {
    return table;
  }

  public String file() {
    return file;
  }

  /** {@code db.table}, for messages and for ordering loads per table. */
  public String qualifiedTable() {
    return db + "." + table;
  }
}
