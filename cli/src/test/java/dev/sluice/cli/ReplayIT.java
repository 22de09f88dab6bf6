package dev.sluice.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.feed.Keys;
import dev.sluice.feed.TestPostgres;
import dev.sluice.io.jdbc.Database;
import dev.sluice.io.jdbc.StoreAndAck;
import dev.sluice.core.pii.Protector;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.ClassRule;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * {@code sluice replay}: a run's dead letters, after the spec is fixed, load what now passes
 * with balanced books; a second replay stores nothing twice and says so. Runs the command in
 * this JVM (as {@code bin/sluice} would) against a real Postgres.
 */
public class ReplayIT {
  @ClassRule public static final TestPostgres PG = new TestPostgres("replay");
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** email is required; the fix makes it optional (the table's columns stay as they are). */
  static final String SPEC = "{\"name\": \"orders\", \"format\": {\"type\": \"json\"},"
      + " \"fields\": [{\"name\": \"id\", \"type\": \"string\", \"required\": true},"
      + " {\"name\": \"amount\", \"type\": \"double\", \"required\": true},"
      + " {\"name\": \"email\", \"type\": \"string\", \"pii\": \"encrypt\","
      + " \"required\": true}],"
      + " \"dedup\": {\"key\": [\"id\"]}, \"table\": {\"name\": \"orders\", \"key\": [\"id\"]}}";

  /** 1 passes; 2 and both 3s lack email; one is no JSON; 4's amount is no number at all. */
  static final String[] LINES = {
    "{\"id\": \"1\", \"amount\": 5, \"email\": \"ann@example.org\"}",
    "{\"id\": \"2\", \"amount\": 2.5}",
    "{\"id\": \"3\", \"amount\": 7.25}",
    "{\"id\": \"3\", \"amount\": 7.25}",
    "not json",
    "{\"id\": \"4\", \"amount\": \"lots\"}",
  };

  static final class Ran {
    final int exit;
    final String out;
    final String err;

    Ran(int exit, String out, String err) {
      this.exit = exit;
      this.out = out;
      this.err = err;
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n" + out + "\n" + err;
    }
  }

  static Ran sluice(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = SluiceCli.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Ran(exit, out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }

  /** Fix the spec, replay: 2 rows load, 1 duplicate, 2 rejected again; again: nothing new. */
  @Test
  public void replayLoadsWhatNowPassesAndAgainChangesNothing() throws Exception {
    Path dir = tmp.getRoot().toPath();
    Path spec = Files.writeString(dir.resolve("spec.json"), SPEC);
    Path fixed = Files.writeString(dir.resolve("fixed.json"),
        SPEC.replace(", \"required\": true}]", "}]"));
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("a.jsonl"), String.join("\n", LINES) + "\n");
    Path keys = dir.resolve("keys.json");
    assertEquals(0, sluice("keys", "new", "--out=" + keys).exit);
    String url = PG.newDatabase();
    Path out = dir.resolve("out");

    Ran run = sluice("run", "--spec=" + spec, "--input=" + in + "/*.jsonl", "--output=" + out,
        "--jdbcUrl=" + url, "--keyFile=" + keys);
    assertEquals(run.toString(), 0, run.exit);
    assertTrue(run.out, run.out.contains("read 6 = written 1 + duplicates 0 + rejected 5"));
    // An oversized record's dead letter as issue 14 leaves it: no payload to decrypt.
    Files.writeString(out.resolve("_dead_letters/parse/orders-cut.jsonl"),
        "{\"feed\":\"orders\",\"stage\":\"parse\",\"reason\":\"record is 70000000 bytes, over the"
            + " feed's limit\",\"origin\":\"" + in.resolve("a.jsonl") + ":99\","
            + "\"payload_encrypted\":null}\n");

    Path summary = dir.resolve("replay.json");
    Ran first = sluice("replay", "--deadLetters=" + out, "--spec=" + fixed,
        "--output=" + out, "--jdbcUrl=" + url, "--keyFile=" + keys, "--summary=" + summary);
    assertEquals(first.toString(), 0, first.exit);
    assertTrue(first.out, first.out.contains(
        "orders replay: dead letters 6 = replayed 5 + not replayable 1"));
    assertTrue(first.out, first.out.contains("replayed 5 = written 2 + duplicates 1"
        + " + rejected again 2 (parse 1, validate 1)  [balanced]"));
    assertTrue(first.out, first.out.contains("already loaded: 0 of the 2 written"));
    assertTrue(first.out, first.out.contains("not replayable: 1, no payload"));
    JsonNode s = MAPPER.readTree(summary.toFile());
    assertEquals(6, s.get("dead_letters").asLong());
    assertEquals(5, s.get("replayed").asLong());
    assertEquals(2, s.get("written").asLong());
    assertEquals(1, s.get("duplicates").asLong());
    assertEquals(2, s.get("rejected_again").asLong());
    assertEquals(1, s.get("not_replayable").asLong());
    assertEquals(0, s.get("already_loaded").asLong());
    assertTrue(s.get("balanced").asBoolean());

    assertEquals(List.of("1|5.0", "2|2.5", "3|7.25"), rows(url));
    // The rejected again are new dead letters beside the run's own, with today's reasons.
    List<JsonNode> again = new ArrayList<>();
    for (Path f : files(out.resolve("_dead_letters"))) {
      if (f.getFileName().toString().startsWith("orders-replay-")) {
        for (String l : Files.readAllLines(f)) {
          again.add(MAPPER.readTree(l));
        }
      }
    }
    assertEquals(2, again.size());
    for (JsonNode d : again) {
      assertFalse(d.toString(), d.toString().contains("lots"));
      assertTrue(d.get("payload_encrypted").asText().startsWith("v1:"));
    }
    List<Path> filesAfterFirst = files(out);

    Ran second = sluice("replay", "--deadLetters=" + out, "--spec=" + fixed,
        "--output=" + out, "--jdbcUrl=" + url, "--keyFile=" + keys);
    assertEquals(second.toString(), 0, second.exit);
    assertTrue(second.out, second.out.contains(
        "orders replay: dead letters 6 = replayed 5 + not replayable 1"));
    assertTrue(second.out, second.out.contains("already loaded: 2 of the 2 written"));
    assertEquals(List.of("1|5.0", "2|2.5", "3|7.25"), rows(url));
    assertEquals(filesAfterFirst, files(out));
  }

  /** A key that is not the run's: one line, non-zero, nothing written. */
  @Test
  public void wrongKeyIsOneLineAndWritesNothing() throws Exception {
    Path dir = tmp.getRoot().toPath();
    Path spec = Files.writeString(dir.resolve("spec.json"), SPEC);
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("a.jsonl"), String.join("\n", LINES) + "\n");
    Path keys = dir.resolve("keys.json");
    Path other = dir.resolve("other.json");
    assertEquals(0, sluice("keys", "new", "--out=" + keys).exit);
    assertEquals(0, sluice("keys", "new", "--out=" + other).exit);
    Path out = dir.resolve("out");
    assertEquals(0, sluice("run", "--spec=" + spec, "--input=" + in + "/*.jsonl",
        "--output=" + out, "--keyFile=" + keys).exit);
    List<Path> before = files(out);
    Ran r = sluice("replay", "--deadLetters=" + out.resolve("_dead_letters"),
        "--spec=" + spec, "--output=" + out, "--keyFile=" + other);
    assertEquals(r.toString(), 1, r.exit);
    assertEquals(r.err, 1, r.err.strip().lines().count());
    assertTrue(r.err, r.err.contains("the key does not open these dead letters"));
    assertEquals(before, files(out));
  }

  /**
   * SQS runs keep dead letters in {@code sluice_dead_letters}; they replay from there, keyed by
   * message id as the stream run keyed them, so a second replay adds no row.
   */
  @Test
  public void replaysTheDeadLetterTable() throws Exception {
    Path dir = tmp.getRoot().toPath();
    String keyless = "{\"name\": \"logins\", \"format\": {\"type\": \"json\"},"
        + " \"fields\": [{\"name\": \"user_id\", \"type\": \"string\", \"required\": true},"
        + " {\"name\": \"app_version\", \"type\": \"int\"}]}";
    Path spec = Files.writeString(dir.resolve("logins.json"),
        keyless.replace("\"int\"", "\"string\""));
    Path keys = dir.resolve("keys.json");
    assertEquals(0, sluice("keys", "new", "--out=" + keys).exit);
    String url = PG.newDatabase();
    // The table as an SQS run leaves it: payloads encrypted as ParseRecords encrypts them.
    StoreAndAck.ensureDeadLetterTable(Database.of(url));
    Protector protector = new Protector(Keys.fromFile(keys.toString()));
    String[][] letters = {
      {"m-1", "{\"user_id\": \"u1\", \"app_version\": \"2.3.0\"}"},
      {"m-2", "{\"user_id\": \"u2\", \"app_version\": \"2.4.1\"}"},
      {"m-3", "{\"app_version\": \"1.0\"}"},
    };
    try (Connection c = DriverManager.getConnection(url);
        PreparedStatement ps = c.prepareStatement("INSERT INTO sluice_dead_letters"
            + " (feed, origin, stage, reason, payload_encrypted) VALUES (?, ?, ?, ?, ?)")) {
      for (String[] l : letters) {
        ps.setString(1, "logins");
        ps.setString(2, "sqs:logins/" + l[0]);
        ps.setString(3, "validate");
        ps.setString(4, "field 'app_version': expected an int");
        ps.setString(5, protector.encryptBytes(Protector.PAYLOAD_FIELD,
            l[1].getBytes(StandardCharsets.UTF_8)));
        ps.executeUpdate();
      }
    }
    Path out = dir.resolve("out");
    Ran first = sluice("replay", "--deadLetters=jdbc", "--spec=" + spec, "--output=" + out,
        "--jdbcUrl=" + url, "--keyFile=" + keys);
    assertEquals(first.toString(), 0, first.exit);
    assertTrue(first.out, first.out.contains("dead letters 3 = replayed 3 + not replayable 0"));
    assertTrue(first.out, first.out.contains(
        "replayed 3 = written 2 + duplicates 0 + rejected again 1 (validate 1)  [balanced]"));
    List<String> loaded = sourceIds(url);
    assertEquals(2, loaded.size());
    assertTrue(loaded.toString(), loaded.get(0).endsWith("|u1") || loaded.get(1).endsWith("|u1"));

    Ran second = sluice("replay", "--deadLetters=jdbc", "--spec=" + spec, "--output=" + out,
        "--jdbcUrl=" + url, "--keyFile=" + keys);
    assertEquals(second.toString(), 0, second.exit);
    assertTrue(second.out, second.out.contains("already loaded: 2 of the 2 written"));
    assertEquals(loaded, sourceIds(url));
  }

  private static List<String> rows(String url) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id, amount FROM orders ORDER BY id")) {
      while (rs.next()) {
        rows.add(rs.getString(1) + "|" + rs.getDouble(2));
      }
    }
    return rows;
  }

  private static List<String> sourceIds(String url) throws Exception {
    List<String> rows = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT _source_id, user_id FROM logins ORDER BY 1")) {
      while (rs.next()) {
        rows.add(rs.getString(1) + "|" + rs.getString(2));
      }
    }
    return rows;
  }

  private static List<Path> files(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }
}
