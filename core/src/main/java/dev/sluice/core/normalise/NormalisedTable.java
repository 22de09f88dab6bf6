package dev.sluice.core.normalise;

import dev.sluice.core.spec.FieldType;
import dev.sluice.core.spec.Names;
import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;

/**
 * One table a {@link Normaliser} fills: its columns with their types, which may be null, the
 * key rows are upserted on, the tables its columns refer to (written first), and the tag under
 * which the normaliser emits its rows.
 */
public final class NormalisedTable implements Serializable {
  private final String name;
  private final LinkedHashMap<String, FieldType> columns;
  private final Set<String> nullable;
  private final List<String> key;
  private final LinkedHashMap<String, String> references;
  private final TupleTag<Row> tag;
  private final Schema schema;

  public NormalisedTable(String name, Map<String, FieldType> columns, Set<String> nullable,
      List<String> key, Map<String, String> references, TupleTag<Row> tag) {
    this.name = Names.requireSafe(name, "normalised table");
    this.columns = new LinkedHashMap<>(columns);
    this.nullable = Set.copyOf(nullable);
    this.key = List.copyOf(key);
    this.references = new LinkedHashMap<>(references);
    this.tag = tag;
    Schema.Builder s = Schema.builder();
    for (Map.Entry<String, FieldType> c : columns.entrySet()) {
      Names.requireSafe(c.getKey(), "column of " + name);
      s.addNullableField(c.getKey(), c.getValue().beamType());
    }
    this.schema = s.build();
    for (String k : key) {
      if (!columns.containsKey(k)) {
        throw new IllegalArgumentException(name + ": key column " + k + " is not a column");
      }
    }
  }

  public String name() {
    return name;
  }

  /** Columns in row order with their types. */
  public Map<String, FieldType> columns() {
    return Collections.unmodifiableMap(columns);
  }

  public boolean isNullable(String column) {
    return nullable.contains(column);
  }

  public List<String> key() {
    return key;
  }

  /** Column to the table it refers to (by that table's key of the same name). */
  public Map<String, String> references() {
    return Collections.unmodifiableMap(references);
  }

  public TupleTag<Row> tag() {
    return tag;
  }

  /** The Beam schema of the rows, in column order. */
  public Schema schema() {
    return schema;
  }
}
