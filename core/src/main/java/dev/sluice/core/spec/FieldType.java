package dev.sluice.core.spec;

import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.logicaltypes.SqlTypes;

/** The value types a feed field can hold, with their Beam and SQL counterparts. */
public enum FieldType {
  STRING("text"),
  INT("integer"),
  LONG("bigint"),
  DOUBLE("double precision"),
  DECIMAL("numeric"),
  BOOLEAN("boolean"),
  DATE("date"),
  TIMESTAMP("timestamptz"),
  JSON("jsonb");

  private final String sqlType;

  FieldType(String sqlType) {
    this.sqlType = sqlType;
  }

  public String sqlType() {
    return sqlType;
  }

  public Schema.FieldType beamType() {
    switch (this) {
      case INT:
        return Schema.FieldType.INT32;
      case LONG:
        return Schema.FieldType.INT64;
      case DOUBLE:
        return Schema.FieldType.DOUBLE;
      case DECIMAL:
        return Schema.FieldType.DECIMAL;
      case BOOLEAN:
        return Schema.FieldType.BOOLEAN;
      case DATE:
        return Schema.FieldType.logicalType(SqlTypes.DATE);
      case TIMESTAMP:
        return Schema.FieldType.DATETIME;
      case STRING:
      case JSON:
      default:
        return Schema.FieldType.STRING;
    }
  }

  public boolean isTemporal() {
    return this == DATE || this == TIMESTAMP;
  }

  static FieldType parse(String text, String where) {
    for (FieldType t : values()) {
      if (t.name().equalsIgnoreCase(text)) {
        return t;
      }
    }
    throw new SpecException(
        where + ": unknown type '" + text + "' (one of string, int, long, double, decimal,"
            + " boolean, date, timestamp, json)");
  }
}
