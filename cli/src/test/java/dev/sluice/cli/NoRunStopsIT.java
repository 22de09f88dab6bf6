package dev.sluice.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;
import org.junit.rules.TestRule;

/**
 * The conformance corpora of testdata/hostile and damaged files, through {@code bin/sluice},
 * with and without a table: no run is killed by a record or a file, every ledger balances, every
 * record is in exactly one place (a row or a dead letter), and loaded values are byte-identical.
 */
public class NoRunStopsIT {
  private static final TemporaryFolder TMP = new TemporaryFolder();
  private static final StandIns STANDINS = StandIns.forBatches(TMP);
  @ClassRule public static final TestRule CHAIN = RuleChain.outerRule(TMP).around(STANDINS);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Path HOSTILE = Cli.ROOT.resolve("testdata/hostile");
  private static Path keys;

  @BeforeClass
  public static void makeKeys() throws Exception {
    keys = TMP.getRoot().toPath().resolve("keys.json");
    assertEquals(0, Cli.run("keys", "new", "--out=" + keys).exit);
  }

  private static byte[] gzip(byte[] b) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream z = new GZIPOutputStream(out)) {
      z.write(b);
    }
    return out.toByteArray();
  }

  /** Rows of the output files (not the dead letters), as JSON. */
  private static List<JsonNode> rows(Path out) throws Exception {
    List<JsonNode> all = new ArrayList<>();
    try (var s = Files.walk(out)) {
      for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
        String rel = out.relativize(p).toString();
        if (rel.startsWith("_dead_letters") || rel.contains(".temp")
            || !(rel.endsWith(".jsonl") || rel.endsWith(".jsonl.gz"))) {
          continue;
        }
        for (String line : OutputFiles.text(p).split("\n")) {
          if (!line.isBlank()) {
            all.add(MAPPER.readTree(line));
          }
        }
      }
    }
    return all;
  }

  private static List<JsonNode> deadLetters(Path out) throws Exception {
    List<JsonNode> all = new ArrayList<>();
    Path dl = out.resolve("_dead_letters");
    if (Files.exists(dl)) {
      for (String line : OutputFiles.allText(dl).split("\n")) {
        if (!line.isBlank()) {
          all.add(MAPPER.readTree(line));
        }
      }
    }
    return all;
  }

  private static List<String> expectations(String file) throws Exception {
    return Files.readAllLines(HOSTILE.resolve(file));
  }

  /**
   * Every case of the JSON corpus, with a truncated and a garbled gzip, a file of good events
   * and a line over the record limit beside it: one run without and one with a table.
   */
  @Test
  public void jsonCorpusAndDamagedFiles() throws Exception {
    Path in = TMP.newFolder("json-in").toPath();
    Files.copy(HOSTILE.resolve("events/cases.jsonl"), in.resolve("cases.jsonl"));
    StringBuilder good = new StringBuilder();
    for (int i = 1; i <= 400; i++) {
      good.append("{\"event_uuid\": \"t-").append(i).append("\", \"event_name\": \"x:y\","
          + " \"created_at\": 1710000000, \"payload\": {\"i\": ").append(i).append("}}\n");
    }
    byte[] gz = gzip(good.toString().getBytes(StandardCharsets.UTF_8));
    Files.write(in.resolve("truncated.jsonl.gz"), Arrays.copyOf(gz, gz.length * 2 / 3));
    byte[] garbled = Arrays.copyOf(gz, gz.length);
    for (int i = 12; i < garbled.length; i++) {
      garbled[i] = (byte) (i * 31);
    }
    Files.write(in.resolve("garbled.jsonl.gz"), garbled);
    Files.writeString(in.resolve("good.jsonl"), good.toString().replace("t-", "g-"));
    String big = "{\"event_uuid\": \"b-1\", \"event_name\": \"x:y\", \"created_at\": 1,"
        + " \"payload\": \"" + "z".repeat(2 << 20) + "\"}\n";
    Files.writeString(in.resolve("big.jsonl"), big
        + "{\"event_uuid\": \"b-2\", \"event_name\": \"x:y\", \"created_at\": 1710000000}\n");

    // The corpus's fields outside the spec are unused only when the spec drops them: the
    // shipped spec keeps them in a jsonb column, where a number no column holds must refuse its
    // record (ExtraFieldsTest covers that side).
    ObjectNode specJson =
        (ObjectNode) MAPPER.readTree(Cli.ROOT.resolve("testdata/events/spec.json").toFile());
    specJson.put("extra_fields", "drop");
    Path spec = TMP.getRoot().toPath().resolve("events-drop-extras.json");
    MAPPER.writeValue(spec.toFile(), specJson);
    List<String> expect = expectations("events/cases.expect");
    List<String> caseLines = Files.readAllLines(in.resolve("cases.jsonl"));
    String url = STANDINS.database("hostile_json");
    for (boolean table : new boolean[] {false, true}) {
      Path out = TMP.getRoot().toPath().resolve("json-out-" + table);
      Path sum = TMP.getRoot().toPath().resolve("json-summary-" + table + ".json");
      List<String> args = new ArrayList<>(List.of("run", "--spec=" + spec,
          "--input=" + in + "/*", "--output=" + out, "--keyFile=" + keys, "--summary=" + sum));
      if (table) {
        args.add("--jdbcUrl=" + url);
      }
      Cli r = Cli.run(args.toArray(new String[0]));
      assertEquals(r.toString(), 0, r.exit);
      JsonNode s = MAPPER.readTree(sum.toFile());
      assertTrue(s.toString(), s.get("balanced").asBoolean());
      assertEquals(s.toString(), 2, s.get("files_rejected").asLong());

      List<JsonNode> rows = rows(out);
      List<JsonNode> dls = deadLetters(out);
      Map<String, JsonNode> rowByUuid = new HashMap<>();
      for (JsonNode row : rows) {
        assertEquals("one row per uuid", null,
            rowByUuid.put(row.get("event_uuid").asText(), row));
      }
      Map<String, JsonNode> dlByOrigin = new HashMap<>();
      for (JsonNode d : dls) {
        assertEquals("one dead letter per origin", null, dlByOrigin.put(
            d.get("origin").asText().substring(in.toString().length() + 1), d));
      }
      // Each case in exactly one place, as expected; values loaded byte-identical.
      for (int i = 0; i < expect.size(); i++) {
        int line = i + 1;
        boolean loaded = rowByUuid.containsKey("c-" + line);
        boolean refused = dlByOrigin.containsKey("cases.jsonl:" + line);
        assertTrue("line " + line + " in exactly one place", loaded ^ refused);
        if (expect.get(i).equals("y")) {
          assertTrue("line " + line + " loads: " + dlByOrigin.get("cases.jsonl:" + line), loaded);
          assertEquals("line " + line, MAPPER.readTree(caseLines.get(i)).get("event_name")
              .asText(), rowByUuid.get("c-" + line).get("event_name").asText());
        } else if (expect.get(i).equals("n")) {
          assertTrue("line " + line + " is refused", refused);
          JsonNode d = dlByOrigin.get("cases.jsonl:" + line);
          // Never the value (the corpus spells its huge numbers 1e9999999999 and the like).
          assertThat(d.get("reason").asText(), not(containsString("e99999")));
        }
      }
      assertThat(dlByOrigin.get("cases.jsonl:4").get("reason").asText(), containsString("NUL"));
      assertThat(dlByOrigin.get("cases.jsonl:6").get("reason").asText(),
          containsString("numeric"));
      // The damaged files: one dead letter each, naming the file and the problem.
      JsonNode truncated = dlByOrigin.get("truncated.jsonl.gz");
      assertEquals("read", truncated.get("stage").asText());
      long before = rowByUuid.keySet().stream().filter(k -> k.startsWith("t-")).count();
      assertThat(truncated.get("reason").asText(), containsString("truncated.jsonl.gz: truncated"));
      assertThat(truncated.get("reason").asText(),
          containsString("; " + before + " records read before it"));
      assertThat(dlByOrigin.get("garbled.jsonl.gz").get("reason").asText(),
          containsString("not valid gzip data"));
      assertEquals(400, rowByUuid.keySet().stream().filter(k -> k.startsWith("g-")).count());
      // The oversized line: its real size and where it is, no cut copy.
      JsonNode bigDl = dlByOrigin.get("big.jsonl:1");
      assertThat(bigDl.get("reason").asText(), containsString("record is "
          + String.format("%,d", big.length() - 1) + " bytes"));
      assertThat(bigDl.get("reason").asText(), containsString("bytes 0-" + (big.length() - 1)));
      assertTrue(bigDl.get("payload_encrypted").isNull());
      assertTrue(rowByUuid.containsKey("b-2"));
      // The ledger counts each place once.
      assertEquals(s.get("read").asLong(), rows.size() + dls.size() - 2
          + s.get("duplicates").asLong());
      assertEquals(s.get("written").asLong(), rows.size());
      if (table) {
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
            Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT event_uuid, event_name FROM events")) {
          int n = 0;
          while (rs.next()) {
            n++;
            JsonNode row = rowByUuid.get(rs.getString(1));
            assertEquals(row.get("event_name").asText(), rs.getString(2));
          }
          assertEquals(rows.size(), n);
        }
      }
    }
  }

  /**
   * RFC 4180 cases, and {@code 1,5" screen} followed by 99 good lines: the quote is text and
   * every line loads; into files and a table.
   */
  @Test
  public void csvCorpus() throws Exception {
    Path in = TMP.newFolder("csv-in").toPath();
    Files.copy(HOSTILE.resolve("csv/cases.csv"), in.resolve("cases.csv"));
    StringBuilder screens = new StringBuilder("id,note\n1001,5\" screen\n");
    for (int i = 1002; i <= 1100; i++) {
      screens.append(i).append(",ok ").append(i).append('\n');
    }
    Files.writeString(in.resolve("screens.csv"), screens.toString());
    List<String> expect = expectations("csv/cases.expect");
    String url = STANDINS.database("hostile_csv");
    // With a table only: that run writes the files too (the JSON corpus runs both ways).
    for (boolean table : new boolean[] {true}) {
      Path out = TMP.getRoot().toPath().resolve("csv-out-" + table);
      Path sum = TMP.getRoot().toPath().resolve("csv-summary-" + table + ".json");
      List<String> args = new ArrayList<>(List.of("run",
          "--spec=testdata/hostile/csv/spec.json", "--input=" + in + "/*.csv", "--output=" + out,
          "--keyFile=" + keys, "--summary=" + sum));
      if (table) {
        args.add("--jdbcUrl=" + url);
      }
      Cli r = Cli.run(args.toArray(new String[0]));
      assertEquals(r.toString(), 0, r.exit);
      JsonNode s = MAPPER.readTree(sum.toFile());
      assertTrue(s.toString(), s.get("balanced").asBoolean());
      assertEquals(s.toString(), expect.size() + 100, s.get("read").asLong());
      long yes = expect.stream().filter("y"::equals).count();
      assertEquals(s.toString(), yes + 100, s.get("written").asLong());
      assertEquals(s.toString(), expect.size() - yes, s.get("rejected").asLong());
      Map<Long, String> notes = new HashMap<>();
      for (JsonNode row : rows(out)) {
        notes.put(row.get("id").asLong(), row.path("note").isNull() ? null
            : row.path("note").asText(null));
      }
      for (int i = 0; i < expect.size(); i++) {
        assertEquals("case " + (i + 1), expect.get(i).equals("y"),
            notes.containsKey((long) i + 1));
      }
      assertEquals("5\" screen", notes.get(1001L));
      assertEquals("escaped \"quote\"", notes.get(3L));
      assertEquals("two\r\nlines", notes.get(4L));
      assertEquals("it's", notes.get(6L));
      assertEquals(" spaced ", notes.get(12L));
      assertEquals("ok 1100", notes.get(1100L));
      assertEquals(expect.size() - yes, deadLetters(out).size());
      if (table) {
        try (Connection c = DriverManager.getConnection(url, "postgres", "postgres");
            Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT id, note FROM notes")) {
          int n = 0;
          while (rs.next()) {
            n++;
            assertEquals(notes.get(rs.getLong(1)), rs.getString(2));
          }
          assertEquals(notes.size(), n);
        }
      }
    }
  }
}
