package dev.sluice.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.feed.TestPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;

/**
 * Formats described by a spec alone, through {@code bin/sluice} into a real Postgres: the cafe
 * chain's older export into the normalised tables, events whose fields sit at the top level
 * into the events table, and a run that rejects everything failing with its top reasons.
 * Expectations are counted by hand from the inputs.
 */
public class SpecDescribedIT {
  public static final TemporaryFolder TMP = new TemporaryFolder();
  public static final TestPostgres PG = new TestPostgres("spec_it");
  @ClassRule public static final RuleChain CHAIN = RuleChain.outerRule(TMP).around(PG);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static Path keys;

  /** Full card numbers of testdata/cafe-legacy: none may be stored anywhere. */
  private static final List<String> CARDS = List.of("4917610000000000", "5105105105105100",
      "371449635398431", "4111111111111111", "4532015112830366", "4556737586899855",
      "4929000000006", "4929000000014");
  private static final List<String> NAMES = List.of("Ava Stone", "Ben Cole", "Cara Diaz",
      "Dan Ellis", "Fry, Erin", "Finn Gale", "Gwen Hart", "Hal Ives", "Ivy Jones", "Jack Kerr",
      "Kim Lowe", "Lee Moss", "Max Noor");

  @BeforeClass
  public static void makeKeys() throws Exception {
    keys = TMP.getRoot().toPath().resolve("keys.json");
    assertEquals(0, Cli.run("keys", "new", "--out=" + keys).exit);
  }

  private static List<String> query(String url, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          b.append(i > 1 ? " | " : "").append(rs.getString(i));
        }
        out.add(b.toString());
      }
    }
    return out;
  }

  /** Every file under a folder as text (gzipped ones unzipped). */
  private static String allText(Path dir) throws IOException {
    StringBuilder b = new StringBuilder();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (Files.isRegularFile(f)) {
          try (InputStream in = f.toString().endsWith(".gz")
              ? new GZIPInputStream(Files.newInputStream(f)) : Files.newInputStream(f)) {
            b.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
          }
        }
      }
    }
    return b.toString();
  }

  /** The older cafe export loads into branches, products, orders and order_items by its spec. */
  @Test
  public void olderCafeExportLoadsBySpecAlone() throws Exception {
    String url = PG.newDatabase();
    Path out = TMP.newFolder("cafe-legacy-out").toPath();
    Cli run = Cli.run("run", "--spec=testdata/cafe-legacy/spec.json",
        "--input=testdata/cafe-legacy/*.csv", "--output=" + out, "--jdbcUrl=" + url,
        "--keyFile=" + keys);
    assertEquals(run.toString(), 0, run.exit);
    // 10 + 3 data lines (header lines are no records); 5 broken lines, all in isle-of-wight.
    assertThat(run.out, containsString("cafe_legacy: read 13 = written 8 + duplicates 0 +"
        + " rejected 5 (validate 5)  [balanced]"));
    assertEquals(List.of("2"), query(url, "SELECT count(*) FROM branches"));
    assertEquals(List.of("Croissant | null | 1.75", "Flavoured iced latte - Hazelnut | Large |"
            + " 2.85", "Hot chocolate | Large | 2.90", "Hot chocolate | Regular | 1.40",
            "Latte | Large | 2.45", "Latte | Regular | 2.15",
            "Speciality Tea - Peppermint | null | 1.30"),
        query(url, "SELECT name, size, price FROM products ORDER BY name, size"));
    assertEquals(List.of("Isle of Wight | 5 | 19.10", "Ventnor | 3 | 6.65"),
        query(url, "SELECT b.name, count(*), sum(o.total) FROM orders o JOIN branches b"
            + " USING (branch_id) GROUP BY b.name ORDER BY b.name"));
    assertEquals(List.of("11 | 12"),
        query(url, "SELECT count(*), sum(quantity) FROM order_items"));
    // 09:02:13 in London on 1 October 2020 (summer time) is 08:02:13 UTC.
    assertEquals(List.of("2020-10-01 08:02:13"), query(url, "SELECT to_char(ordered_at AT TIME"
        + " ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM orders WHERE total = 4.65"));

    // No name and no card number in any table, file or dead letter; brands are in the files.
    StringBuilder db = new StringBuilder();
    for (String t : List.of("branches", "products", "orders", "order_items")) {
      db.append(query(url, "SELECT t::text FROM " + t + " t"));
    }
    String files = allText(out);
    for (String secret : concat(CARDS, NAMES)) {
      assertFalse(secret + " stored in a table", db.toString().contains(secret));
      assertFalse(secret + " written to a file", files.contains(secret));
    }
    assertTrue(files.contains("\"card_brand\":\"American Express\""));
    assertTrue(files.contains("\"card_number\":\"***********8431\""));
    assertTrue(files.contains("holds digits; a card number is never stored"));
  }

  /** Top-level event fields reach the files and a jsonb column; the named email is hashed. */
  @Test
  public void topLevelEventFieldsReachTheTable() throws Exception {
    String url = PG.newDatabase();
    Path in = TMP.newFolder("events-in").toPath().resolve("events.jsonl");
    Files.writeString(in, String.join("\n",
        "{\"event_uuid\": \"u-1\", \"event_name\": \"payment:completed\", \"created_at\":"
            + " 1710125535, \"account_id\": 41, \"amount\": 9.5, \"currency\": \"EUR\","
            + " \"email\": \"Ann@Example.com\"}",
        "{\"event_uuid\": \"u-2\", \"event_name\": \"account:created\", \"created_at\":"
            + " 1710125600, \"payload\": {\"plan\": \"pro\"}}") + "\n");
    Path out = TMP.newFolder("events-out").toPath();
    Cli run = Cli.run("run", "--spec=testdata/events/spec.json", "--input=" + in,
        "--output=" + out, "--jdbcUrl=" + url, "--keyFile=" + keys);
    assertEquals(run.toString(), 0, run.exit);
    assertEquals(List.of("jsonb"), query(url, "SELECT data_type FROM information_schema.columns"
        + " WHERE table_name = 'events' AND column_name = 'extra_fields'"));
    assertEquals(List.of("u-1 | 41 | EUR | 9.5 | v1:", "u-2 | null | null | null | null"),
        query(url, "SELECT event_uuid, extra_fields->>'account_id', extra_fields->>'currency',"
            + " extra_fields->>'amount', left(email, 3) FROM events ORDER BY 1"));
    String files = allText(out);
    assertTrue(files.contains("\"extra_fields\":{\"account_id\":41,\"amount\":9.5,"
        + "\"currency\":\"EUR\"}"));
    assertFalse(files.toLowerCase().contains("example.com"));
    assertFalse(String.join("", query(url, "SELECT e::text FROM events e")).toLowerCase()
        .contains("example.com"));
  }

  /** A run that rejects every record exits 1 naming the top reasons; ledger and summary kept. */
  @Test
  public void everyRecordRejectedFails() throws Exception {
    Path out = TMP.newFolder("rejected-out").toPath();
    Path summary = out.resolveSibling("rejected-summary.json");
    // The cafe's older export read with the current cafe spec: a misread format.
    Cli run = Cli.run("run", "--spec=testdata/cafe/spec.json",
        "--input=testdata/cafe-legacy/ventnor_2020-10-01.csv", "--output=" + out,
        "--keyFile=" + keys, "--summary=" + summary);
    assertEquals(run.toString(), 1, run.exit);
    assertThat(run.out, containsString("cafe: read 4 = written 0 + duplicates 0 + rejected 4"));
    List<String> err = run.err.lines().filter(l -> l.startsWith("sluice")).toList();
    assertEquals(run.toString(), 1, err.size());
    assertThat(err.get(0), startsWith("sluice run: cafe: rejected 4 of 4 records read, more than"
        + " --maxRejected allows (all but one); top reasons: "));
    JsonNode s = MAPPER.readTree(Files.readString(summary));
    assertEquals(4, s.get("rejected").asLong());
    assertTrue(s.get("top_reasons").size() > 0);
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }
}
