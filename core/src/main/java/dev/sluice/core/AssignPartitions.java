package dev.sluice.core;

import dev.sluice.core.spec.FeedSpec;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.IsoFields;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.joda.time.ReadableInstant;

/**
 * Keys each row by its partition path, from a template such as
 * {@code event_type={event_type}/dt={created_at:yyyy-MM-dd}} (times in UTC; {@code iso_week}
 * gives {@code 2025-W01}). Values are percent-encoded so that data can never add a folder, climb
 * out with {@code ..} or name another bucket.
 *
 * <pre>{@code rows.apply(AssignPartitions.withTemplate("dt={ts:yyyy-MM-dd}")) }</pre>
 */
public final class AssignPartitions
    extends PTransform<PCollection<Row>, PCollection<KV<String, Row>>> {
  public static final String NULL_VALUE = "__null__";
  public static final String EMPTY_VALUE = "__empty__";

  private final String template;

  private AssignPartitions(String template) {
    this.template = template;
  }

  public static AssignPartitions withTemplate(String template) {
    return new AssignPartitions(Objects.requireNonNull(template, "template"));
  }

  public static AssignPartitions forFeed(FeedSpec spec) {
    return withTemplate(spec.partitionTemplate);
  }

  @Override
  public PCollection<KV<String, Row>> expand(PCollection<Row> input) {
    PathTemplate path = new PathTemplate(template);
    for (String col : path.columns()) {
      if (!input.getSchema().hasField(col)) {
        throw new IllegalArgumentException("partition template names no column '" + col + "'");
      }
    }
    return input
        .apply("ComputePartitionPath", ParDo.of(new AssignFn(path)))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), SchemaCoder.of(input.getSchema())));
  }

  static final class AssignFn extends DoFn<Row, KV<String, Row>> {
    private final PathTemplate path;
    /** Rows per partition in this bundle: counted once per bundle, not once per row. */
    private transient Map<String, long[]> counts;

    AssignFn(PathTemplate path) {
      this.path = path;
    }

    @StartBundle
    public void start() {
      counts = new HashMap<>();
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<String, Row>> out) {
      String p = path.render(row);
      counts.computeIfAbsent(p, k -> new long[1])[0]++;
      out.output(KV.of(p, row));
    }

    @FinishBundle
    public void finish() {
      for (Map.Entry<String, long[]> e : counts.entrySet()) {
        Ledger.partition(e.getKey()).inc(e.getValue()[0]);
      }
      counts.clear();
    }
  }

  /** A parsed template; renders a row's path. */
  public static final class PathTemplate implements Serializable {
    private final List<String> literals = new ArrayList<>();
    private final List<String> columns = new ArrayList<>();
    private final List<String> patterns = new ArrayList<>();
    /** Per placeholder, whether its pattern shows nothing finer than a day (worked out once). */
    private final boolean[] byDay;
    private transient Map<String, DateTimeFormatter> formatters;
    /** Per placeholder, the last day rendered and its text: rows mostly come day by day. */
    private transient long[] lastDay;
    private transient String[] lastDayText;

    public PathTemplate(String template) {
      Matcher m = FeedSpec.placeholderPattern().matcher(template);
      int last = 0;
      while (m.find()) {
        literals.add(template.substring(last, m.start()));
        columns.add(m.group(1));
        patterns.add(m.group(2));
        last = m.end();
      }
      literals.add(template.substring(last));
      byDay = new boolean[patterns.size()];
      for (int i = 0; i < byDay.length; i++) {
        byDay[i] = patterns.get(i) != null && dayPattern(patterns.get(i));
      }
    }

    public List<String> columns() {
      return columns;
    }

    public String render(Row row) {
      StringBuilder b = new StringBuilder(literals.get(0));
      for (int i = 0; i < columns.size(); i++) {
        Object v = row.getValue(columns.get(i));
        b.append(cachedValue(i, v));
        b.append(literals.get(i + 1));
      }
      return b.toString();
    }

    /**
     * {@link #value}, remembered per placeholder for the last day when its pattern shows nothing
     * finer than a day: then every time of that day renders the same.
     */
    private String cachedValue(int i, Object v) {
      String pattern = patterns.get(i);
      long day;
      if (!byDay[i]) {
        return value(v, pattern);
      } else if (v instanceof ReadableInstant) {
        day = Math.floorDiv(((ReadableInstant) v).getMillis(), 86_400_000L);
      } else if (v instanceof LocalDate) {
        day = ((LocalDate) v).toEpochDay();
      } else {
        return value(v, pattern);
      }
      if (lastDayText == null) {
        lastDay = new long[columns.size()];
        lastDayText = new String[columns.size()];
      }
      if (lastDayText[i] == null || lastDay[i] != day) {
        lastDayText[i] = value(v, pattern);
        lastDay[i] = day;
      }
      return lastDayText[i];
    }

    /** True for {@code iso_week} and patterns of date fields only (no hour, minute, ...). */
    static boolean dayPattern(String pattern) {
      if (pattern.equals("iso_week")) {
        return true;
      }
      boolean quoted = false;
      for (int k = 0; k < pattern.length(); k++) {
        char c = pattern.charAt(k);
        if (c == '\'') {
          quoted = !quoted;
        } else if (!quoted && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            && "GuyDMLdQqYwWEecF".indexOf(c) < 0) {
          return false;
        }
      }
      return true;
    }

    private String value(Object v, String pattern) {
      if (v == null) {
        return NULL_VALUE;
      }
      if (pattern == null) {
        return encode(RowText.of(v));
      }
      TemporalAccessor t;
      if (v instanceof ReadableInstant) {
        t = Instant.ofEpochMilli(((ReadableInstant) v).getMillis()).atZone(ZoneOffset.UTC);
      } else if (v instanceof LocalDate) {
        t = (LocalDate) v;
      } else {
        return encode(RowText.of(v));
      }
      if (pattern.equals("iso_week")) {
        return String.format(Locale.ROOT, "%04d-W%02d",
            t.get(IsoFields.WEEK_BASED_YEAR), t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
      }
      if (formatters == null) {
        formatters = new HashMap<>();
      }
      DateTimeFormatter f =
          formatters.computeIfAbsent(pattern, p -> DateTimeFormatter.ofPattern(p, Locale.ROOT));
      return encode(f.format(t));
    }
  }

  /**
   * The longest encoded value kept whole. File systems refuse names over 255 bytes (and a value
   * sits in a folder name beside its field's name), so a longer value is cut here and a stable
   * hash of all of it appended: {@code <first bytes>~<16 hex>}. {@code ~} is never part of an
   * encoded value, so a shortened name cannot equal a whole one. The row keeps the full value.
   */
  public static final int MAX_VALUE_BYTES = 200;

  /**
   * Percent-encodes all but {@code [A-Za-z0-9_.-]}, and the names {@code .} and {@code ..};
   * shortens values over {@link #MAX_VALUE_BYTES}.
   */
  public static String encode(String s) {
    String e = encodeWhole(s);
    if (e.length() <= MAX_VALUE_BYTES) {
      return e;
    }
    int keep = MAX_VALUE_BYTES - 17;
    // Never cut inside a %XX escape.
    if (e.charAt(keep - 1) == '%') {
      keep -= 1;
    } else if (e.charAt(keep - 2) == '%') {
      keep -= 2;
    }
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256")
          .digest(e.getBytes(StandardCharsets.US_ASCII));
      return e.substring(0, keep) + "~" + java.util.HexFormat.of().formatHex(d, 0, 8);
    } catch (java.security.NoSuchAlgorithmException x) {
      throw new IllegalStateException(x);
    }
  }

  private static String encodeWhole(String s) {
    if (s.isEmpty()) {
      return EMPTY_VALUE;
    }
    if (s.equals(".") || s.equals("..")) {
      return s.replace(".", "%2E");
    }
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-' || c == '.';
      if (safe) {
        if (b != null) {
          b.append(c);
        }
        continue;
      }
      if (b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
      for (byte x : s.substring(i, end).getBytes(StandardCharsets.UTF_8)) {
        b.append('%').append(String.format("%02X", x & 0xff));
      }
      i = end - 1;
    }
    return b == null ? s : b.toString();
  }
}
