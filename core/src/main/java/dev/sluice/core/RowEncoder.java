package dev.sluice.core;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldSpec;
import dev.sluice.core.spec.FieldType;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Writes output rows as JSON lines or CSV lines. Timestamps are ISO-8601 UTC, decimals keep
 * their scale, {@code json} fields are embedded as JSON, not as quoted text.
 *
 * <p>Thread-safe: a sink's formatting function may be shared by the threads of a worker.
 */
public final class RowEncoder implements Serializable {
  private final List<String> columns = new ArrayList<>();
  private final boolean[] rawJson;
  private transient volatile JsonFactory json;

  public RowEncoder(FeedSpec spec) {
    Schema out = spec.outputSchema();
    int n = spec.ackColumn ? out.getFieldCount() - 1 : out.getFieldCount();
    rawJson = new boolean[n];
    for (int i = 0; i < n; i++) {
      columns.add(out.getField(i).getName());
    }
    for (FieldSpec f : spec.keptFields()) {
      if (f.outputType() == FieldType.JSON) {
        rawJson[out.indexOf(f.column)] = true;
      }
    }
  }

  public List<String> columns() {
    return columns;
  }

  public String jsonLine(Row row) {
    StringWriter buffer = new StringWriter(256);
    try (JsonGenerator g = factory().createGenerator(buffer)) {
      writeObject(row, g);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buffer.toString();
  }

  /**
   * A generator that writes UTF-8 to {@code out} for {@link #writeJsonLine}: many rows through
   * one generator, rather than a generator and a String per row. Closing it closes {@code out}.
   */
  public JsonGenerator jsonLines(OutputStream out) throws IOException {
    JsonGenerator g = factory().createGenerator(out, JsonEncoding.UTF8);
    g.setRootValueSeparator(null);
    return g;
  }

  /** Writes {@code row} as {@link #jsonLine} renders it, then a newline. */
  public void writeJsonLine(Row row, JsonGenerator g) throws IOException {
    writeObject(row, g);
    g.writeRaw('\n');
  }

  private JsonFactory factory() {
    if (json == null) {
      json = new JsonFactory();
    }
    return json;
  }

  private void writeObject(Row row, JsonGenerator g) throws IOException {
    g.writeStartObject();
    for (int i = 0; i < rawJson.length; i++) {
      Object v = row.getValue(i);
      g.writeFieldName(columns.get(i));
      if (v == null) {
        g.writeNull();
      } else if (rawJson[i]) {
        g.writeRawValue((String) v);
      } else if (v instanceof String) {
        g.writeString((String) v);
      } else if (v instanceof Integer) {
        g.writeNumber((Integer) v);
      } else if (v instanceof Long) {
        g.writeNumber((Long) v);
      } else if (v instanceof Double) {
        g.writeNumber((Double) v);
      } else if (v instanceof BigDecimal) {
        g.writeNumber((BigDecimal) v);
      } else if (v instanceof Boolean) {
        g.writeBoolean((Boolean) v);
      } else {
        g.writeString(RowText.of(v));
      }
    }
    g.writeEndObject();
  }

  /** The CSV header line for {@link #csvLine}. */
  public String csvHeader() {
    return csv(new ArrayList<>(columns));
  }

  public String csvLine(Row row) {
    List<Object> values = new ArrayList<>(rawJson.length);
    for (int i = 0; i < rawJson.length; i++) {
      values.add(RowText.of(row.getValue(i)));
    }
    return csv(values);
  }

  private static String csv(List<?> values) {
    StringBuilder b = new StringBuilder();
    try (CSVPrinter p = new CSVPrinter(b, CSVFormat.RFC4180.builder().setRecordSeparator("").get())) {
      p.printRecord(values);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.toString();
  }
}
