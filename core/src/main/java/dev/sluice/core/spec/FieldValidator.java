package dev.sluice.core.spec;

import dev.sluice.core.spec.FeedSpec.Format;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rules of a spec's fields: each field on its own (type, cleansing, time format, PII and
 * mask, derivation), then the fields together (names and columns unique, a derived field's
 * source, sources the format can give).
 */
final class FieldValidator {
  static final String NO_FIELDS = "missing or empty; list the feed's fields";
  static final String SAY_SPLIT = "say {\"split\": {\"from\": F, \"separator\": S, \"index\": N}}";
  static final String SPLIT_INDEX = "must be 0 (before the first separator) or 1 (after it)";
  static final String SPLIT_PARTS =
      "say [MIN, MAX], the number of parts a value may have, e.g. [1, 3]";
  static final String MASK_RANGE = "keep_first may be 0 to 6 and keep_last 0 to 4";

  private static final List<String> TIME_FORMATS =
      List.of("iso", "epoch_seconds", "epoch_millis", "epoch");
  private static final Pattern NAMED_GROUP = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");

  private final String file;

  FieldValidator(String file) {
    this.file = file;
  }

  private SpecException fail(String place, String problem) {
    return SpecException.at(file, place, problem);
  }

  /** How messages name a field ({@code field 'ip'}), once its name is known to be safe. */
  static String place(String name, String file) {
    String place = "field '" + Names.printable(name) + "'";
    Names.requireSafe(name, file + ": " + place);
    return place;
  }

  void fields(List<SpecJson.Field> fs, FeedSpec.Builder b) {
    if (fs == null || fs.isEmpty()) {
      throw fail("fields", NO_FIELDS);
    }
    Set<String> names = new HashSet<>();
    Set<String> columns = new HashSet<>();
    for (int i = 0; i < fs.size(); i++) {
      SpecJson.Field f = fs.get(i);
      if (f.name() == null) {
        throw fail("fields[" + i + "].name", "missing");
      }
      String place = place(f.name(), file);
      if (!names.add(f.name())) {
        throw fail(place, "declared twice");
      }
      FieldSpec added = field(f, place);
      b.fields.add(added);
      if (!added.isDropped() && !columns.add(added.column)) {
        throw fail(place, "column '" + added.column + "' is used by another field");
      }
      if (FeedSpec.SOURCE_ID.equals(added.column)) {
        throw fail(place, "column " + FeedSpec.SOURCE_ID + " is reserved");
      }
    }
    checkDerivations(b);
    checkSources(b);
  }

  private FieldSpec field(SpecJson.Field f, String place) {
    String name = f.name();
    FieldType type = FieldType.parse(orElse(f.type(), "string"), file + ": " + place + ".type");
    String column = orElse(f.column(), name);
    Names.requireSafe(column, file + ": " + place + ".column");
    List<FieldSpec.Cleanse> cleanse = cleanse(f.cleanse(), place);
    String format = f.format();
    if (format != null) {
      checkTimeFormat(format, type, place + ".format");
    }
    String zone = orElse(f.zone(), "UTC");
    try {
      ZoneId.of(zone);
    } catch (DateTimeException e) {
      throw fail(place + ".zone", "unknown time zone '" + Names.printable(zone) + "'");
    }
    FieldSpec.Split split = null;
    if (f.derive() != null) {
      split = split(f.derive().split(), place + ".derive");
      if (f.source() != null) {
        throw fail(place, "a derived field has no source");
      }
    }
    PiiAction pii = pii(f.pii(), place);
    int keepFirst = 0;
    int keepLast = 4;
    if (f.mask() != null) {
      if (pii != PiiAction.MASK) {
        throw fail(place + ".mask", "only fields with \"pii\": \"mask\" take mask settings");
      }
      keepFirst = f.mask().keepFirst() == null ? keepFirst : f.mask().keepFirst();
      keepLast = f.mask().keepLast() == null ? keepLast : f.mask().keepLast();
      if (keepFirst < 0 || keepLast < 0 || keepFirst > 6 || keepLast > 4) {
        throw fail(place + ".mask", MASK_RANGE);
      }
    }
    return new FieldSpec(name, orElse(f.source(), name), column, type,
        Boolean.TRUE.equals(f.required()), cleanse, format, zone, split, pii, keepFirst,
        keepLast, false);
  }

  private List<FieldSpec.Cleanse> cleanse(List<String> steps, String place) {
    List<FieldSpec.Cleanse> cleanse = new ArrayList<>();
    for (String c : steps == null ? List.<String>of() : steps) {
      try {
        cleanse.add(FieldSpec.Cleanse.valueOf(c.toUpperCase(Locale.ROOT)));
      } catch (IllegalArgumentException e) {
        throw fail(place + ".cleanse", "unknown step '" + Names.printable(c)
            + "' (trim, lower, upper, collapse_whitespace, digits, version_number)");
      }
    }
    return cleanse;
  }

  private void checkTimeFormat(String format, FieldType type, String place) {
    if (!type.isTemporal()) {
      throw fail(place, "only date and timestamp fields take a format");
    }
    if (TIME_FORMATS.contains(format)) {
      return;
    }
    if (type == FieldType.DATE && format.startsWith("epoch")) {
      throw fail(place, "a date cannot be read from epoch time");
    }
    try {
      DateTimeFormatter.ofPattern(format, Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw fail(place, "not a date-time pattern (" + e.getMessage() + ")");
    }
  }

  private FieldSpec.Split split(SpecJson.Split s, String place) {
    if (s == null) {
      throw fail(place, SAY_SPLIT);
    }
    if (s.from() == null || s.separator() == null || s.separator().isEmpty()) {
      throw fail(place + ".split", "needs from and a non-empty separator");
    }
    if (s.index() == null || s.index() < 0 || s.index() > 1) {
      throw fail(place + ".split.index", SPLIT_INDEX);
    }
    List<Integer> parts = s.parts();
    if (parts == null) {
      return new FieldSpec.Split(s.from(), s.separator(), s.index(), 0, 0);
    }
    if (parts.size() != 2 || parts.get(0) < 1 || parts.get(1) < parts.get(0)) {
      throw fail(place + ".split.parts", SPLIT_PARTS);
    }
    return new FieldSpec.Split(s.from(), s.separator(), s.index(), parts.get(0), parts.get(1));
  }

  private PiiAction pii(String action, String place) {
    if (action == null) {
      return PiiAction.NONE;
    }
    try {
      return PiiAction.valueOf(action.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw fail(place + ".pii", "unknown action '" + Names.printable(action)
          + "' (hash, encrypt, mask, drop)");
    }
  }

  /** A derived field splits a field that is read, not one that is itself derived. */
  private void checkDerivations(FeedSpec.Builder b) {
    for (FieldSpec f : b.fields) {
      if (f.split == null) {
        continue;
      }
      FieldSpec from = b.field(f.split.from);
      String place = "field '" + f.name + "'.derive.split.from";
      if (from == null) {
        throw fail(place, "names no field ('" + Names.printable(f.split.from) + "')");
      }
      if (from.isDerived()) {
        throw fail(place, "cannot derive from another derived field");
      }
    }
  }

  /**
   * A regex field's source is a named group, a headerless CSV field's a listed column: refused
   * here, where otherwise every record would fail ({@code Matcher.group} throws for a name the
   * pattern lacks).
   */
  private void checkSources(FeedSpec.Builder b) {
    Set<String> sources;
    String what;
    if (b.format == Format.REGEX) {
      sources = new HashSet<>();
      Matcher g = NAMED_GROUP.matcher(b.regex);
      while (g.find()) {
        sources.add(g.group(1));
      }
      what = "a named group of format.pattern";
    } else if (b.format == Format.CSV && !b.csvHeader) {
      sources = new HashSet<>(b.csvColumns);
      what = "one of format.columns";
    } else {
      return;
    }
    for (FieldSpec f : b.fields) {
      if (!f.isDerived() && !sources.contains(f.source)) {
        throw fail("field '" + f.name + "'", "source '" + Names.printable(f.source) + "' is not "
            + what);
      }
    }
  }

  private static String orElse(String value, String dflt) {
    return value == null ? dflt : value;
  }
}
