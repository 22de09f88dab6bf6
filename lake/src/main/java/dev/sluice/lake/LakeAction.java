package dev.sluice.lake;

import java.util.Locale;

/** What an object asks for, by the second part of its key: {@code <db>/<action>/<table>/<file>}. */
public enum LakeAction {
  /** Upsert the file's rows on the table's primary key. */
  APPEND,
  /** Replace the table's rows with the file's, in one transaction. */
  TRUNCATE,
  /** Create the table, or add columns and change its settings. */
  SCHEMA;

  /** The name as it appears in keys, schemas and the load log. */
  public String word() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The action named exactly by {@code word} (lower case), or null. */
  public static LakeAction fromWord(String word) {
    for (LakeAction a : values()) {
      if (a.word().equals(word)) {
        return a;
      }
    }
    return null;
  }
}
