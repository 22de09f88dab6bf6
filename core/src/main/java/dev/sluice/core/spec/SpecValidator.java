package dev.sluice.core.spec;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.sluice.core.normalise.Normalisers;
import dev.sluice.core.spec.FeedSpec.ExtraFields;
import dev.sluice.core.spec.FeedSpec.Format;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The rules of a spec that its JSON types do not say: what is missing, which words a key
 * takes, and how keys must agree (a dedup key names a required field, a CSV without a header
 * lists its columns). Checked in the order a spec reads, so that of several mistakes the first
 * named is the first a person meets; fields are {@link FieldValidator}'s.
 */
final class SpecValidator {
  static final String POSITIVE = "must be a positive whole number";

  private final String file;

  SpecValidator(String file) {
    this.file = file;
  }

  private SpecException fail(String place, String problem) {
    return SpecException.at(file, place, problem);
  }

  FeedSpec validate(SpecJson.Spec s) {
    FeedSpec.Builder b = new FeedSpec.Builder();
    if (s.name() == null) {
      throw fail("name", "missing; every feed has a name");
    }
    b.name = Names.requireSafe(s.name(), file + ": name");
    format(s.format(), b);
    if (s.nullValues() != null) {
      b.nullTokens = s.nullValues();
    }
    new FieldValidator(file).fields(s.fields(), b);
    extraFields(s.extraFields(), b);
    dedup(s.dedup(), b);
    eventTime(s.eventTime(), b);
    new PartitionTemplates(file, b).read(s.partition());
    table(s.table(), b);
    normalise(s.normalise(), b);
    FeedSpec spec = b.build();
    if (spec.normalise != null) {
      String misfit = Normalisers.misfit(spec, spec.normalise);
      if (misfit != null) {
        throw fail("normalise", misfit);
      }
    }
    return spec;
  }

  private void format(SpecJson.Format f, FeedSpec.Builder b) {
    if (f == null) {
      throw fail("format", "missing; say {\"type\": \"json\"}, \"csv\" or \"regex\"");
    }
    if (f.type() == null) {
      throw fail("format.type", "missing (json, csv or regex)");
    }
    b.format = formatType(f.type());
    b.csvHeader = f.header() == null || f.header();
    b.csvDelimiter = oneChar(f.delimiter(), "format.delimiter", ',');
    b.csvQuote = oneChar(f.quote(), "format.quote", '"');
    b.csvColumns = f.columns() == null ? List.of() : f.columns();
    // A headerless file's delimiter is sniffed from its first record (one column: nothing to
    // sniff, and any delimiter reads it the same).
    b.csvSniffDelimiter = b.format == Format.CSV && f.delimiter() == null
        && (b.csvHeader || b.csvColumns.size() > 1);
    if (b.format == Format.CSV && !b.csvHeader && b.csvColumns.isEmpty()) {
      throw fail("format.columns", "a CSV without a header needs its columns listed in order");
    }
    if (b.format == Format.CSV && b.csvDelimiter == b.csvQuote) {
      throw fail("format", "delimiter and quote must differ");
    }
    b.regex = f.pattern();
    if (b.format == Format.REGEX) {
      if (b.regex == null) {
        throw fail("format.pattern", "a regex format needs a pattern with named groups");
      }
      requireRegex(b.regex, "format.pattern");
    }
    b.recordStart = f.recordStart();
    if (b.recordStart != null) {
      if (b.format != Format.REGEX) {
        throw fail("format.record_start", "only a regex (log) format has continuation lines");
      }
      requireRegex(b.recordStart, "format.record_start");
    }
    if (f.maxRecordBytes() != null) {
      if (f.maxRecordBytes() <= 0) {
        throw fail("format.max_record_bytes", POSITIVE);
      }
      b.maxRecordBytes = f.maxRecordBytes();
    }
  }

  private Format formatType(String type) {
    switch (type.toLowerCase(Locale.ROOT)) {
      case "json":
      case "jsonl":
        return Format.JSON;
      case "csv":
        return Format.CSV;
      case "regex":
        return Format.REGEX;
      default:
        throw fail("format.type", "unknown format '" + Names.printable(type)
            + "' (json, csv or regex)");
    }
  }

  /** A delimiter or quote: one character, or {@code \t} written out for a tab. */
  private char oneChar(String s, String place, char dflt) {
    if (s == null) {
      return dflt;
    }
    if (s.equals("\\t")) {
      return '\t';
    }
    if (s.length() != 1) {
      throw fail(place, "must be a single character");
    }
    return s.charAt(0);
  }

  private void requireRegex(String regex, String place) {
    try {
      Pattern.compile(regex);
    } catch (PatternSyntaxException e) {
      throw fail(place, "not a valid regular expression (" + e.getDescription() + " near index "
          + e.getIndex() + ")");
    }
  }

  /**
   * {@code "extra_fields": "keep" | "drop" | "reject"}, or {@code {"action": "keep",
   * "column": "attributes"}} to name the column. JSON feeds only: a CSV or log line has no
   * fields beyond its columns or groups, which the spec lists.
   */
  private void extraFields(SpecJson.ExtraFields e, FeedSpec.Builder b) {
    if (e == null) {
      return;
    }
    String action = e.action();
    if (action == null) {
      throw fail("extra_fields.action", "missing (keep, drop or reject)");
    }
    if (!action.equalsIgnoreCase("keep") && e.column() != null) {
      throw fail("extra_fields.column", "only \"keep\" puts extra fields in a column");
    }
    try {
      b.extraFields = ExtraFields.valueOf(action.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException ex) {
      throw fail("extra_fields", "unknown action '" + Names.printable(action)
          + "' (keep, drop or reject)");
    }
    if (b.format != Format.JSON) {
      throw fail("extra_fields", "applies to json feeds only (a " + b.format.name()
          .toLowerCase(Locale.ROOT) + " record has only the columns the spec lists)");
    }
    if (b.extraFields == ExtraFields.KEEP) {
      String column = e.column() == null ? FeedSpec.EXTRA_FIELDS : e.column();
      Names.requireSafe(column, file + ": extra_fields.column");
      if (column.equals(FeedSpec.SOURCE_ID) || column.equals(FeedSpec.ACK)) {
        throw fail("extra_fields.column", "column " + column + " is reserved");
      }
      for (FieldSpec f : b.fields) {
        if (f.name.equals(column) || (!f.isDropped() && f.column.equals(column))) {
          throw fail("extra_fields.column", "'" + column + "' is already a field or column;"
              + " name another with {\"action\": \"keep\", \"column\": ...}");
        }
      }
      b.fields.add(FieldSpec.extraFields(column));
    }
  }

  private void dedup(SpecJson.Dedup d, FeedSpec.Builder b) {
    if (d == null) {
      return;
    }
    if (d.key() != null) {
      b.dedupKey = d.key();
    }
    for (String k : b.dedupKey) {
      FieldSpec f = b.field(k);
      if (f == null) {
        throw fail("dedup.key", "names no field ('" + Names.printable(k) + "')");
      }
      if (f.isDropped()) {
        throw fail("dedup.key", "field '" + k + "' is dropped and cannot be a key");
      }
      if (!f.required) {
        throw fail("dedup.key", "field '" + k + "' must be required to be a key");
      }
    }
    if (d.ttl() != null) {
      b.dedupTtl = Durations.parse(d.ttl(), file + ": dedup.ttl");
    }
  }

  private void eventTime(String eventTime, FeedSpec.Builder b) {
    if (eventTime == null) {
      return;
    }
    FieldSpec f = b.field(eventTime);
    if (f == null) {
      throw fail("event_time", "names no field ('" + Names.printable(eventTime) + "')");
    }
    if (f.type != FieldType.TIMESTAMP || f.pii != PiiAction.NONE) {
      throw fail("event_time", "field '" + eventTime + "' must be an unprotected timestamp");
    }
    b.eventTime = eventTime;
  }

  private void table(SpecJson.Table t, FeedSpec.Builder b) {
    if (t == null) {
      b.table = b.name;
      return;
    }
    b.table = Names.requireSafe(t.name() == null ? b.name : t.name(), file + ": table.name");
    if (t.key() != null) {
      b.tableKey = t.key();
    }
    String mode = t.mode() == null ? "upsert" : t.mode();
    if (!mode.equals("upsert") && !mode.equals("append")) {
      throw fail("table.mode", "'" + Names.printable(mode) + "' is not upsert or append");
    }
    b.tableAppend = mode.equals("append");
    if (b.tableAppend && !b.tableKey.isEmpty()) {
      throw fail("table.mode", "append takes no table.key (a key means upsert)");
    }
    Set<String> columns = new HashSet<>(b.outputColumns());
    if (b.dedupKey.isEmpty()) {
      columns.add(FeedSpec.SOURCE_ID);
    }
    for (String k : b.tableKey) {
      if (!columns.contains(k)) {
        throw fail("table.key", "names no output column ('" + Names.printable(k) + "')");
      }
    }
  }

  /**
   * {@code "normalise": "cafe_orders"}, or {@code {"kind": "cafe_orders", ...settings}}: the
   * settings stay JSON text here and are checked by the normaliser (see {@link Normalisers}).
   */
  private void normalise(SpecJson.Normalise n, FeedSpec.Builder b) {
    if (n == null) {
      return;
    }
    if (n.kind == null) {
      throw fail("normalise.kind", "missing (" + String.join(", ", Normalisers.KINDS) + ")");
    }
    b.normalise = n.kind;
    if (!n.nameOnly) {
      b.normaliseSettings = JsonNodeFactory.instance.objectNode().setAll(n.settings).toString();
    }
  }
}
