package dev.sluice.core.spec;

import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;

/**
 * A spec's partition templates ({@code "event_type={event_type}/dt={created_at:yyyy-MM-dd}"}):
 * every placeholder names an output column, a pattern only a date or timestamp column, and the
 * path stays below the output folder.
 */
final class PartitionTemplates {
  private final String file;
  private final FeedSpec.Builder b;

  PartitionTemplates(String file, FeedSpec.Builder b) {
    this.file = file;
    this.b = b;
  }

  private SpecException fail(String place, String problem) {
    return SpecException.at(file, place, problem);
  }

  void read(SpecJson.Partition p) {
    if (p == null) {
      b.partitionTemplate = "";
    } else if (p.template != null) {
      check(p.template, "partition");
      b.partitionTemplate = p.template;
    } else {
      readNamed(p.named);
    }
  }

  /** {"daily": template, "weekly": template, "default": "daily"}: one is chosen per run. */
  private void readNamed(Map<String, String> named) {
    String dflt = null;
    for (Map.Entry<String, String> e : named.entrySet()) {
      if (e.getValue() == null) {
        throw fail("partition." + Names.printable(e.getKey()), "must be a string");
      }
      if (e.getKey().equals("default")) {
        dflt = e.getValue();
        continue;
      }
      Names.requireSafe(e.getKey(), file + ": partition");
      check(e.getValue(), "partition." + e.getKey());
      b.partitionings.put(e.getKey(), e.getValue());
    }
    if (b.partitionings.isEmpty()) {
      throw fail("partition", "names no template; say {\"daily\": \"dt={ts:yyyy-MM-dd}\","
          + " \"default\": \"daily\"}");
    }
    if (dflt == null && b.partitionings.size() == 1) {
      dflt = b.partitionings.keySet().iterator().next();
    }
    if (dflt == null || !b.partitionings.containsKey(dflt)) {
      throw fail("partition.default", (dflt == null ? "missing" : "'" + Names.printable(dflt)
          + "' is not one of the templates") + "; name one of "
          + String.join(", ", b.partitionings.keySet()));
    }
    b.partitioning = dflt;
    b.partitionTemplate = b.partitionings.get(dflt);
  }

  private void check(String template, String place) {
    String rest = FeedSpec.placeholderPattern().matcher(template).replaceAll("");
    if (rest.contains("{") || rest.contains("}")) {
      throw fail(place, "unbalanced braces in '" + template + "'");
    }
    if (template.startsWith("/") || template.contains("..") || template.contains("//")) {
      throw fail(place, "a template is a relative path without '..' or '//'");
    }
    Matcher m = FeedSpec.placeholderPattern().matcher(template);
    while (m.find()) {
      String col = m.group(1);
      String pattern = m.group(2);
      FieldSpec f = outputField(col);
      if (f == null) {
        throw fail(place, "{" + Names.printable(col) + "} names no output column");
      }
      if (pattern == null) {
        continue;
      }
      if (!f.outputType().isTemporal()) {
        throw fail(place, "{" + col + ":" + pattern + "}: only dates and timestamps"
            + " take a pattern");
      }
      if (!pattern.equals("iso_week")) {
        try {
          DateTimeFormatter.ofPattern(pattern, Locale.ROOT);
        } catch (IllegalArgumentException e) {
          throw fail(place, "{" + col + ":" + pattern + "}: not a date pattern");
        }
      }
    }
  }

  private FieldSpec outputField(String column) {
    FieldSpec found = null;
    for (FieldSpec f : b.fields) {
      if (!f.isDropped() && f.column.equals(column)) {
        found = f;
      }
    }
    return found;
  }
}
