package dev.sluice.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import dev.sluice.feed.TestPostgres;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code --report}: the page opened in a real (headless) Chromium draws its charts, and every
 * figure it shows is the ledger's ({@code --summary}) and the output folder's.
 */
public class ReportIT {
  @ClassRule public static final TestPostgres PG = new TestPostgres("report");
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** The shipped events feed: ledger, partitions, dead letters and files as the run left them. */
  @Test
  public void reportDrawsTheLedgerInABrowser() throws Exception {
    Path dir = tmp.getRoot().toPath();
    Path keys = dir.resolve("keys.json");
    assertEquals(0, ReplayIT.sluice("keys", "new", "--out=" + keys).exit);
    Path out = dir.resolve("out");
    Path report = dir.resolve("report.html");
    Path summary = dir.resolve("summary.json");
    ReplayIT.Ran run = ReplayIT.sluice("run", "--spec=" + Cli.ROOT.resolve(
        "testdata/events/spec.json"), "--input=" + Cli.ROOT.resolve("testdata/events/*.jsonl"),
        "--output=" + out, "--keyFile=" + keys, "--summary=" + summary, "--report=" + report);
    assertEquals(run.toString(), 0, run.exit);
    String page = Files.readString(report);
    // Self-contained: nothing to fetch.
    assertFalse(page, page.matches("(?s).*(src|href)=\"?(https?:)?//.*"));
    assertFalse(page.contains("fetch("));

    String dom = Chromium.dumpDom(report);
    assertTrue("the script ran", dom.contains("data-drawn=\"yes\""));
    JsonNode ledger = MAPPER.readTree(summary.toFile());
    for (String f : new String[] {"read", "written", "duplicates", "rejected"}) {
      assertEquals(f, ledger.get(f).asText(), figure(dom, f).replace(",", ""));
    }
    assertEquals("balanced", figure(dom, "balanced"));

    // The ledger bar: one part per outcome, each as large as the ledger says.
    assertEquals(ledger.get("written").asText(), attr(dom, "rect", "data-part", "written",
        "data-value"));
    assertEquals(ledger.get("duplicates").asText(), attr(dom, "rect", "data-part", "duplicates",
        "data-value"));
    ledger.get("rejected_by_stage").fields().forEachRemaining(e -> assertEquals(
        e.getValue().asText(), attr(dom, "rect", "data-part", "rejected " + e.getKey(),
            "data-value")));

    // Partitions: a bar each (12 at most, the rest summed), their sum is written.
    List<Long> bars = values(section(dom, "partitions"));
    int partitions = ledger.get("rows_by_partition").size();
    assertEquals(Math.min(partitions, 13), bars.size());
    assertEquals(ledger.get("written").asLong(), bars.stream().mapToLong(Long::longValue).sum());

    // Dead letters: a bar per stage, a table row per stage and reason, summing to rejected.
    List<Long> stages = values(section(dom, "dead-letters"));
    assertEquals(ledger.get("rejected_by_stage").size(), stages.size());
    long inTable = 0;
    Matcher row = Pattern.compile("<tr><td>[a-z]+</td><td>[^<]*</td><td>(\\d+)</td>")
        .matcher(section(dom, "dead-letters"));
    while (row.find()) {
      inTable += Long.parseLong(row.group(1));
    }
    assertEquals(ledger.get("rejected").asLong(), inTable);
    assertFalse("no values in the page", dom.contains("payload_encrypted"));

    // Files: every output file, with its size.
    List<Path> written;
    try (Stream<Path> s = Files.walk(out)) {
      written = s.filter(Files::isRegularFile)
          .filter(p -> !out.relativize(p).toString().startsWith("_dead_letters")).toList();
    }
    String files = section(dom, "files");
    assertTrue(files, files.contains("Files written (" + written.size() + ")"));
    for (Path p : written) {
      assertTrue(p.toString(), files.contains("<td>" + out.relativize(p) + "</td>"));
    }

    // Throughput: a line of at least two points; the run facts.
    assertTrue(section(dom, "throughput"), dom.matches("(?s).*<path [^>]*data-points=\"\\d+\".*"));
    String facts = section(dom, "run");
    assertTrue(facts, facts.contains("<td>input</td>"));
    assertTrue(facts, facts.contains("<td>Sluice version</td>"));
    assertTrue(facts, facts.contains("testdata/events/spec.json"));
  }

  /** A lake pass: each object's fate as the load log has it, drawn by status and table. */
  @Test
  public void lakeReportShowsTheLoadLog() throws Exception {
    Path lake = tmp.newFolder("lake").toPath();
    Path src = Cli.ROOT.resolve("testdata/lake/user_data");
    String[][] objects = {
      {"analytics/schema/user_data/v1.json", "schema-v1.json"},
      {"analytics/append/user_data/2024-03-01.csv", "users-2024-03-01.csv"},
      {"analytics/append/user_data/half.csv", "users-half-bad.csv"},
      {"analytics/append/User_Data/2024-03-01.csv", "users-2024-03-01.csv"},
    };
    long t = 1_700_000_000_000L;
    for (String[] o : objects) {
      Path f = lake.resolve(o[0]);
      Files.createDirectories(f.getParent());
      Files.copy(src.resolve(o[1]), f);
      Files.setLastModifiedTime(f, FileTime.fromMillis(t += 60_000));
    }
    String url = PG.newDatabase();
    Path report = tmp.getRoot().toPath().resolve("lake.html");
    ReplayIT.Ran r = ReplayIT.sluice("lake", "--input=" + lake, "--jdbcUrl=" + url,
        "--report=" + report);
    assertEquals(r.toString(), 0, r.exit);
    assertTrue(r.out, r.out.contains("report: " + report));

    Map<String, Long> byStatus = new TreeMap<>();
    Map<String, Long> rowsByTable = new TreeMap<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT status, table_name, rows_loaded FROM"
            + " public.sluice_load_log")) {
      while (rs.next()) {
        byStatus.merge(rs.getString(1), 1L, Long::sum);
        if (rs.getString(2) != null) {
          rowsByTable.merge(rs.getString(2), rs.getLong(3), Long::sum);
        }
      }
    }
    assertEquals(4, byStatus.values().stream().mapToLong(Long::longValue).sum());

    String dom = Chromium.dumpDom(report);
    assertTrue("the script ran", dom.contains("data-drawn=\"yes\""));
    String objectsSection = section(dom, "objects");
    for (Map.Entry<String, Long> e : byStatus.entrySet()) {
      assertEquals(e.getKey(), String.valueOf(e.getValue()),
          attr(objectsSection, "rect", "data-label", e.getKey(), "data-value"));
    }
    for (Map.Entry<String, Long> e : rowsByTable.entrySet()) {
      assertEquals(e.getKey(), String.valueOf(e.getValue()),
          attr(objectsSection, "rect", "data-label", e.getKey(), "data-value"));
    }
    for (String[] o : objects) {
      assertTrue(o[0], objectsSection.contains("<td>" + lake.resolve(o[0]) + "</td>"));
    }
  }

  private static String figure(String dom, String name) {
    Matcher m = Pattern.compile("data-figure=\"" + name + "\"[^>]*>([^<]*)<").matcher(dom);
    assertTrue("figure " + name, m.find());
    return m.group(1);
  }

  private static String attr(String dom, String tag, String key, String value, String wanted) {
    Matcher m = Pattern.compile("<" + tag + " [^>]*" + key + "=\"" + Pattern.quote(value)
        + "\"[^>]*>").matcher(dom);
    assertTrue(key + "=" + value, m.find());
    Matcher v = Pattern.compile(wanted + "=\"([^\"]*)\"").matcher(m.group());
    assertTrue(wanted, v.find());
    return v.group(1);
  }

  private static String section(String dom, String id) {
    int at = dom.indexOf("<section id=\"" + id + "\">");
    assertTrue("section " + id, at >= 0);
    int end = dom.indexOf("</section>", at);
    return dom.substring(at, end);
  }

  private static List<Long> values(String html) {
    List<Long> v = new ArrayList<>();
    Matcher m = Pattern.compile("<rect [^>]*data-value=\"(\\d+)\"").matcher(html);
    while (m.find()) {
      v.add(Long.parseLong(m.group(1)));
    }
    return v;
  }
}
