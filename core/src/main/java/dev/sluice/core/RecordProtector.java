package dev.sluice.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldSpec;
import dev.sluice.core.spec.FieldType;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * Applies each field's PII action: parsed row in, output row out (columns renamed, protected
 * values as tokens). Also renders the protected view of a half-parsed record for a dead letter,
 * so a person can see what was wrong without seeing personal data.
 */
public final class RecordProtector implements Serializable {
  private final FeedSpec spec;
  private final Protector protector;
  private final Schema outputSchema;
  private transient ObjectMapper mapper;
  private transient List<FieldSpec> kept;

  public RecordProtector(FeedSpec spec, Protector protector) {
    this.spec = spec;
    this.protector = protector;
    this.outputSchema = spec.outputSchema();
  }

  public Schema outputSchema() {
    return outputSchema;
  }

  public Protector protector() {
    return protector;
  }

  public Row protect(Row parsed) {
    if (kept == null) {
      kept = spec.keptFields();
    }
    List<Object> values = new ArrayList<>(outputSchema.getFieldCount());
    for (int i = 0; i < kept.size(); i++) {
      values.add(protectValue(kept.get(i), parsed.getValue(i)));
    }
    for (int i = kept.size(); i < parsed.getFieldCount(); i++) {
      values.add(parsed.getValue(i));
    }
    return Row.withSchema(outputSchema).attachValues(values);
  }

  Object protectValue(FieldSpec f, Object v) {
    if (v == null) {
      return null;
    }
    switch (f.pii) {
      case HASH:
        return protector.hash(f.name, RowText.of(v));
      case ENCRYPT:
        return protector.encrypt(f.name, RowText.of(v));
      case MASK:
        return Protector.mask(RowText.of(v), f.maskKeepFirst, f.maskKeepLast);
      case DROP:
        return null;
      case NONE:
      default:
        return v;
    }
  }

  /** JSON of the fields that did parse, protected as in the output; dropped fields absent. */
  public String view(Map<String, Object> partial) {
    if (mapper == null) {
      mapper = new ObjectMapper();
    }
    ObjectNode node = mapper.createObjectNode();
    for (FieldSpec f : spec.keptFields()) {
      Object v = partial == null ? null : partial.get(f.name);
      if (v == null) {
        continue;
      }
      Object p = protectValue(f, v);
      if (f.outputType() == FieldType.JSON) {
        try {
          node.set(f.column, mapper.readTree((String) p));
          continue;
        } catch (java.io.IOException e) {
          // Not expected: the parser wrote it. Fall back to text.
        }
      }
      if (p instanceof Number || p instanceof Boolean) {
        node.putPOJO(f.column, p);
      } else {
        node.put(f.column, RowText.of(p));
      }
    }
    return node.toString();
  }
}
