package dev.sluice.io.jdbc;

import dev.sluice.core.spec.FieldType;
import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * What differs between target databases. Every name passed in has been checked against
 * {@link dev.sluice.core.spec.Names#SAFE}; dialects still quote them.
 */
public interface SqlDialect extends Serializable {
  String name();

  /** DDL that creates the table when absent. Columns in order, with their types. */
  String createTable(String table, Map<String, FieldType> columns, List<String> key);

  /**
   * Statements that write one batch of rows so that writing the same rows again changes
   * nothing: an upsert on the key. Parameters are the columns in order.
   */
  String upsert(String table, Map<String, FieldType> columns, List<String> key);

  static String quote(String name) {
    return "\"" + name.replace("\"", "\"\"") + "\"";
  }
}
