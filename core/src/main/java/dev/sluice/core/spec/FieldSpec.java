package dev.sluice.core.spec;

import java.io.Serializable;
import java.util.List;

/**
 * One field of a feed: where its value comes from, its type, how it is cleansed and checked,
 * and what happens to it if it is personal data.
 */
public final class FieldSpec implements Serializable {
  /** Cleansing steps applied to text before it is typed, in the order given. */
  public enum Cleanse {
    TRIM,
    LOWER,
    UPPER,
    COLLAPSE_WHITESPACE,
    /** Keeps the ASCII digits only ({@code 2.3.0} becomes {@code 230}). */
    DIGITS,
    /**
     * A dotted version {@code MAJOR[.MINOR[.PATCH]]} as one number, MAJOR x 10000 + MINOR x 100
     * + PATCH (as PHP's {@code PHP_VERSION_ID}): {@code 2.3.0} becomes {@code 20300}; ordered
     * like the versions, unlike {@link #DIGITS} ({@code 2.10.0} after {@code 2.9.0}).
     */
    VERSION_NUMBER
  }

  /** A value derived by splitting another field's text on a separator. */
  public static final class Split implements Serializable {
    public final String from;
    public final String separator;
    public final int index;
    /**
     * With {@code parts: [MIN, MAX]}: how many parts a value may have (0: not checked). A value
     * of one part then gives index 0 the whole value and index 1 nothing.
     */
    public final int minParts;
    public final int maxParts;

    Split(String from, String separator, int index, int minParts, int maxParts) {
      this.from = from;
      this.separator = separator;
      this.index = index;
      this.minParts = minParts;
      this.maxParts = maxParts;
    }
  }

  public final String name;
  public final String source;
  public final String column;
  public final FieldType type;
  public final boolean required;
  public final List<Cleanse> cleanse;
  /** For timestamps: iso, epoch_seconds, epoch_millis or a pattern; for dates: iso or a pattern. */
  public final String format;
  /** The zone of timestamps written without an offset. */
  public final String zone;
  public final Split split;
  public final PiiAction pii;
  public final int maskKeepFirst;
  public final int maskKeepLast;
  /**
   * True for the one field a spec with {@code "extra_fields": "keep"} gains: a JSON object of
   * every key of the record that no other field names. It has no source of its own.
   */
  public final boolean extras;

  /** The column that holds a record's unnamed fields ({@code "extra_fields": "keep"}). */
  static FieldSpec extraFields(String column) {
    return new FieldSpec(column, null, column, FieldType.JSON, false, List.of(), null, "UTC",
        null, PiiAction.NONE, 0, 4, true);
  }

  FieldSpec(
      String name,
      String source,
      String column,
      FieldType type,
      boolean required,
      List<Cleanse> cleanse,
      String format,
      String zone,
      Split split,
      PiiAction pii,
      int maskKeepFirst,
      int maskKeepLast,
      boolean extras) {
    this.extras = extras;
    this.name = name;
    this.source = source;
    this.column = column;
    this.type = type;
    this.required = required;
    this.cleanse = List.copyOf(cleanse);
    this.format = format;
    this.zone = zone;
    this.split = split;
    this.pii = pii;
    this.maskKeepFirst = maskKeepFirst;
    this.maskKeepLast = maskKeepLast;
  }

  /**
   * True when a cleanse step reads the value as text and makes another text of it ({@code
   * digits}, {@code version_number}): a JSON number such a field receives ({@code 3},
   * {@code 2.3}) goes through the steps as its text, like a JSON string would.
   */
  public boolean convertsText() {
    return cleanse.contains(Cleanse.DIGITS) || cleanse.contains(Cleanse.VERSION_NUMBER);
  }

  public boolean isDerived() {
    return split != null;
  }

  public boolean isDropped() {
    return pii == PiiAction.DROP;
  }

  /** The type the field has in the output: protected values are text. */
  public FieldType outputType() {
    return pii == PiiAction.NONE ? type : FieldType.STRING;
  }
}
