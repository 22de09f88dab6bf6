package dev.sluice.feed.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.feed.RunLedger;
import dev.sluice.io.SluiceException;
import dev.sluice.io.files.WriteDeadLetters;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * One self-contained HTML page about a run: its ledger as a picture, records per partition,
 * dead letters by stage and reason (a count and one origin each, never a value), the files
 * written with their sizes, throughput over time, and what ran. The data sits in the page as
 * JSON and a small script of our own draws it as SVG; the page fetches nothing.
 *
 * <pre>{@code
 * RunReport.of("run", ledger).withFacts(facts).withSamples(samples)
 *     .withOutput(output, "events").write(Path.of("report.html"));
 * }</pre>
 */
public final class RunReport {
  /** Files under this are flagged as small: readers pay per file. */
  public static final long SMALL_FILE_BYTES = 1L << 20;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final ObjectNode data = MAPPER.createObjectNode();
  private final Map<String, String> facts = new LinkedHashMap<>();

  private RunReport(String kind, String feed) {
    data.put("kind", kind);
    data.put("feed", feed);
    data.put("small_file_bytes", SMALL_FILE_BYTES);
  }

  public static RunReport of(String kind, String feed) {
    return new RunReport(kind, feed);
  }

  public RunReport withLedger(RunLedger ledger) {
    data.set("ledger", ledger.toJson(MAPPER));
    return this;
  }

  /** A replay's own books: dead letters, replayed, not replayable, already loaded. */
  public RunReport withReplay(ObjectNode replay) {
    data.set("replay", replay);
    return this;
  }

  /**
   * A lake pass: each object with what became of it (no values: keys, counts, reasons), as
   * {@code key, table, action, status, rows_read, rows_loaded, rows_rejected, reason} objects.
   */
  public RunReport withLakeObjects(ArrayNode objects) {
    data.set("objects", objects);
    return this;
  }

  /** A line of the "Run" table (runner, duration, input, output, spec, version). */
  public RunReport withFact(String name, Object value) {
    if (value != null) {
      facts.put(name, String.valueOf(value));
    }
    return this;
  }

  /** Counter samples: milliseconds since start, records read (and written) by then. */
  public RunReport withSamples(List<long[]> samples) {
    ArrayNode a = data.putArray("samples");
    for (long[] s : samples) {
      a.addObject().put("t", s[0]).put("read", s[1]).put("written", s[2]);
    }
    return this;
  }

  /**
   * The files and dead letters this run wrote under {@code output}: those named
   * {@code <prefix>-*} ({@code <feed>-...}, or {@code <feed>-replay-...} for a replay).
   */
  public RunReport withOutput(String output, String prefix) {
    if (output == null) {
      return this;
    }
    String base = output.endsWith("/") ? output.substring(0, output.length() - 1) : output;
    ArrayNode files = data.putArray("files");
    Map<String, long[]> groups = new TreeMap<>();
    Map<String, String[]> firsts = new TreeMap<>();
    for (MatchResult.Metadata m : match(base + "/**")) {
      String path = m.resourceId().toString();
      String rel = path.startsWith(base + "/") ? path.substring(base.length() + 1) : path;
      String name = m.resourceId().getFilename();
      if (name == null || !name.startsWith(prefix + "-") || rel.contains(".temp")) {
        continue;
      }
      if (rel.startsWith(WriteDeadLetters.FOLDER + "/")) {
        readDeadLetters(m, groups, firsts);
      } else {
        files.addObject().put("path", rel).put("bytes", m.sizeBytes());
      }
    }
    ArrayNode dl = data.putArray("dead_letters");
    for (Map.Entry<String, long[]> e : groups.entrySet()) {
      String[] f = firsts.get(e.getKey());
      dl.addObject().put("stage", f[0]).put("reason", f[1]).put("count", e.getValue()[0])
          .put("origin", f[2]);
    }
    return this;
  }

  private static void readDeadLetters(MatchResult.Metadata m, Map<String, long[]> groups,
      Map<String, String[]> firsts) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(
        Channels.newInputStream(FileSystems.open(m.resourceId())), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonNode d = MAPPER.readTree(line);
        String stage = d.path("stage").asText();
        String reason = d.path("reason").asText();
        String key = stage + "\u0000" + reason;
        groups.computeIfAbsent(key, k -> new long[1])[0]++;
        firsts.putIfAbsent(key, new String[] {stage, reason, d.path("origin").asText()});
      }
    } catch (IOException e) {
      throw new SluiceException("--report: dead letters in " + m.resourceId()
          + " cannot be read (" + e.getMessage() + ")");
    }
  }

  private static List<MatchResult.Metadata> match(String glob) {
    List<MatchResult.Metadata> out = new ArrayList<>();
    try {
      for (MatchResult r : FileSystems.match(List.of(glob), EmptyMatchTreatment.ALLOW)) {
        if (r.status() == MatchResult.Status.OK) {
          for (MatchResult.Metadata m : r.metadata()) {
            if (!m.resourceId().isDirectory()) {
              out.add(m);
            }
          }
        }
      }
    } catch (IOException e) {
      throw new SluiceException("--report: " + glob + " cannot be listed (" + e.getMessage()
          + ")");
    }
    out.sort((a, b) -> a.resourceId().toString().compareTo(b.resourceId().toString()));
    return out;
  }

  /** The page, complete. */
  public String html() {
    ArrayNode f = data.putArray("facts");
    facts.forEach((k, v) -> f.addArray().add(k).add(v));
    // Inside <script>, "</" would end the element; JSON allows "<\/" for it.
    String json = data.toString().replace("</", "<\\/").replace("<!--", "<\\!--");
    return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        + "<title>Sluice report</title>\n<style>" + resource("report.css") + "</style>\n"
        + "</head><body>\n<h1 id=\"title\">Sluice report</h1>\n"
        + "<noscript>This report draws its charts with a small script; the figures are in"
        + " the JSON below.</noscript>\n<div id=\"report\"></div>\n"
        + "<script type=\"application/json\" id=\"sluice-data\">" + json + "</script>\n"
        + "<script>" + resource("report.js") + "</script>\n</body></html>\n";
  }

  /** Writes the page to a local file. */
  public void write(String file) {
    try {
      Path path = Path.of(file).toAbsolutePath();
      if (path.getParent() != null) {
        Files.createDirectories(path.getParent());
      }
      Files.writeString(path, html(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SluiceException("--report=" + file + ": cannot be written (" + e.getMessage()
          + ")");
    }
  }

  private static String resource(String name) {
    try (InputStream in = RunReport.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("report resource " + name + " missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("report resource " + name + ": " + e.getMessage(), e);
    }
  }
}
