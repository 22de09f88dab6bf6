package dev.sluice.io.files;

import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldSpec;
import dev.sluice.core.spec.FieldType;
import java.io.Serializable;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.beam.sdk.values.Row;
import org.joda.time.ReadableInstant;

/**
 * Output rows as Avro records for Parquet: every column nullable; timestamps as
 * {@code timestamp-millis}, dates as {@code date}; decimals as text, since a spec's decimal has no
 * fixed scale; {@code json} fields as text.
 */
public final class ParquetRows implements Serializable {
  private final String schemaJson;
  private final List<FieldType> types = new ArrayList<>();
  private transient Schema schema;

  public ParquetRows(FeedSpec spec) {
    SchemaBuilder.FieldAssembler<Schema> fields =
        SchemaBuilder.record(spec.name).namespace("dev.sluice.feeds").fields();
    for (FieldSpec f : spec.keptFields()) {
      FieldType t = f.outputType();
      types.add(t);
      fields = fields.name(f.column).type(nullable(avroType(t))).withDefault(null);
    }
    if (spec.keyedBySource()) {
      types.add(FieldType.STRING);
      fields = fields.name(FeedSpec.SOURCE_ID).type(nullable(Schema.create(Schema.Type.STRING)))
          .withDefault(null);
    }
    this.schemaJson = fields.endRecord().toString();
  }

  private static Schema nullable(Schema s) {
    return Schema.createUnion(Schema.create(Schema.Type.NULL), s);
  }

  private static Schema avroType(FieldType t) {
    switch (t) {
      case INT:
        return Schema.create(Schema.Type.INT);
      case LONG:
        return Schema.create(Schema.Type.LONG);
      case DOUBLE:
        return Schema.create(Schema.Type.DOUBLE);
      case BOOLEAN:
        return Schema.create(Schema.Type.BOOLEAN);
      case DATE:
        return LogicalTypes.date().addToSchema(Schema.create(Schema.Type.INT));
      case TIMESTAMP:
        return LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
      case DECIMAL:
      case JSON:
      case STRING:
      default:
        return Schema.create(Schema.Type.STRING);
    }
  }

  public Schema schema() {
    if (schema == null) {
      schema = new Schema.Parser().parse(schemaJson);
    }
    return schema;
  }

  public GenericRecord toRecord(Row row) {
    GenericData.Record r = new GenericData.Record(schema());
    for (int i = 0; i < types.size(); i++) {
      Object v = row.getValue(i);
      if (v == null) {
        continue;
      }
      switch (types.get(i)) {
        case TIMESTAMP:
          r.put(i, ((ReadableInstant) v).getMillis());
          break;
        case DATE:
          r.put(i, (int) ((LocalDate) v).toEpochDay());
          break;
        case DECIMAL:
          r.put(i, ((BigDecimal) v).toPlainString());
          break;
        default:
          r.put(i, v);
          break;
      }
    }
    return r;
  }
}
