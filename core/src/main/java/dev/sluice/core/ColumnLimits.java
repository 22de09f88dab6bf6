package dev.sluice.core;

import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldSpec;
import dev.sluice.core.spec.PiiAction;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.values.Row;

/**
 * Checks a parsed record's text against the lengths its table's columns hold ({@code
 * varchar(n)}, {@link FeedSpec#columnLimits}), as the value will be stored: a protected field
 * by its token. A value too long would fail the database's whole batch; here it makes one
 * record a {@code validate} dead letter, before any output sees it, so files and table agree.
 * Lengths count characters (code points), as PostgreSQL's varchar does.
 *
 * <p>Not thread-safe; each DoFn instance holds its own.
 */
final class ColumnLimits {
  private final List<FieldSpec> fields = new ArrayList<>();
  private final List<Integer> indexes = new ArrayList<>();
  private final List<Integer> limits = new ArrayList<>();
  private final String table;
  private final RecordProtector protector;
  private String lastField;

  private ColumnLimits(FeedSpec spec, RecordProtector protector) {
    this.table = spec.table;
    this.protector = protector;
    List<FieldSpec> kept = spec.keptFields();
    for (int i = 0; i < kept.size(); i++) {
      Integer limit = spec.columnLimits.get(kept.get(i).column);
      if (limit != null) {
        fields.add(kept.get(i));
        indexes.add(i);
        limits.add(limit);
      }
    }
  }

  /** Null when the spec has no limits. */
  static ColumnLimits of(FeedSpec spec, RecordProtector protector) {
    ColumnLimits c = new ColumnLimits(spec, protector);
    return c.fields.isEmpty() ? null : c;
  }

  /** Null when every value fits, else the reason: field, column and limit, never the value. */
  String problem(Row parsed) {
    for (int i = 0; i < fields.size(); i++) {
      FieldSpec f = fields.get(i);
      Object v = parsed.getValue(indexes.get(i));
      if (v == null) {
        continue;
      }
      String stored = RowText.of(f.pii == PiiAction.NONE ? v : protector.protectValue(f, v));
      int length = stored.codePointCount(0, stored.length());
      if (length > limits.get(i)) {
        lastField = f.name;
        return "field '" + f.name + "' is " + length + " characters long"
            + (f.pii == PiiAction.NONE ? "" : " once " + f.pii.name().toLowerCase(
                java.util.Locale.ROOT) + "ed")
            + "; column " + table + "." + f.column + " holds at most " + limits.get(i);
      }
    }
    return null;
  }

  /** The field the last problem was about, left out of the dead letter's view. */
  String lastField() {
    return lastField;
  }
}
