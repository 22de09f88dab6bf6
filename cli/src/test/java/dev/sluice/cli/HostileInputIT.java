package dev.sluice.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Hostile files end as rows or dead letters with reasons, and the ledger balances. */
public class HostileInputIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static Path keys;

  @BeforeClass
  public static void makeKeys() throws Exception {
    keys = TMP.getRoot().toPath().resolve("keys.json");
    assertEquals(0, Cli.run("keys", "new", "--out=" + keys).exit);
  }

  private static List<JsonNode> deadLetters(Path out) throws Exception {
    List<JsonNode> all = new ArrayList<>();
    Path dl = out.resolve("_dead_letters");
    if (!Files.exists(dl)) {
      return all;
    }
    for (String line : OutputFiles.allText(dl).split("\n")) {
      if (!line.isBlank()) {
        all.add(MAPPER.readTree(line));
      }
    }
    return all;
  }

  private static JsonNode summary(Path file) throws Exception {
    return MAPPER.readTree(file.toFile());
  }

  private static String reasonAt(List<JsonNode> dls, String originSuffix) {
    for (JsonNode d : dls) {
      if (d.get("origin").asText().endsWith(originSuffix)) {
        return d.get("stage").asText() + ": " + d.get("reason").asText();
      }
    }
    throw new AssertionError("no dead letter from " + originSuffix + " in " + dls);
  }

  /** Broken JSON lines of every kind are dead letters with reasons; good lines still land. */
  @Test
  public void hostileJsonLines() throws Exception {
    Path in = TMP.newFolder("json-in").toPath();
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    String good = "{\"event_uuid\": \"a-1\", \"event_name\": \"x:y\", \"created_at\": 1710000000}";
    b.writeBytes((good + "\n").getBytes(StandardCharsets.UTF_8));                        // 1
    b.writeBytes("{\"event_uuid\": \"a-2\", \"event_name\": \"x:y\"\n".getBytes());       // 2
    b.writeBytes("\"just a string\"\n".getBytes());                                      // 3
    b.writeBytes(("{\"event_uuid\": \"a-4\", \"event_uuid\": \"a-5\", \"event_name\": \"x:y\","
        + " \"created_at\": 1}\n").getBytes());                                           // 4
    b.writeBytes(("{\"event_uuid\": \"a-6\\ud800\", \"event_name\": \"x:y\","
        + " \"created_at\": 1}\n").getBytes());                                           // 5
    b.writeBytes("{\"event_uuid\": \"a-7\u0000\", \"event_name\": \"x:y\"}\n"
        .getBytes(StandardCharsets.UTF_8));                                               // 6
    StringBuilder big = new StringBuilder("{\"event_uuid\": \"a-8\", \"event_name\": \"x:y\","
        + " \"created_at\": 1, \"payload\": {\"blob\": \"");
    while (big.length() < 10 * 1024 * 1024) {
      big.append("0123456789abcdef");
    }
    big.append("\"}}\n");
    b.writeBytes(big.toString().getBytes(StandardCharsets.UTF_8));                       // 7
    b.writeBytes(new byte[] {'{', '"', 'e', '"', ':', '"', (byte) 0xC3, 0x28, '"', '}', '\n'}); // 8
    b.writeBytes(("{\"event_uuid\": \"a-9\", \"event_name\": \"x:z\", \"created_at\": 1710000001}"
        + "\r\n").getBytes());                                                            // 9
    Files.write(in.resolve("hostile.jsonl"), b.toByteArray());

    Path out = TMP.getRoot().toPath().resolve("json-out");
    Path sum = TMP.getRoot().toPath().resolve("json-summary.json");
    Cli r = Cli.run("run", "--spec=testdata/events/spec.json", "--input=" + in + "/*.jsonl",
        "--output=" + out, "--keyFile=" + keys, "--summary=" + sum);
    assertEquals(r.toString(), 0, r.exit);
    JsonNode s = summary(sum);
    assertEquals(9, s.get("read").asLong());
    assertEquals(2, s.get("written").asLong());
    assertEquals(7, s.get("rejected").asLong());
    assertTrue(s.get("balanced").asBoolean());
    List<JsonNode> dls = deadLetters(out);
    assertEquals(7, dls.size());
    assertThat(reasonAt(dls, ":2"), containsString("truncated"));
    assertThat(reasonAt(dls, ":3"), containsString("not a JSON object"));
    assertThat(reasonAt(dls, ":4"), containsString("a key appears twice"));
    assertThat(reasonAt(dls, ":5"), containsString("lone UTF-16 surrogate"));
    assertThat(reasonAt(dls, ":6"), containsString("NUL"));
    assertThat(reasonAt(dls, ":7"), containsString("over the feed's limit"));
    assertThat(reasonAt(dls, ":8"), containsString("not valid UTF-8"));
  }

  /** CSV quirks: BOM, CRLF, quotes, embedded newlines, ragged rows, an unterminated quote. */
  @Test
  public void hostileCsv() throws Exception {
    Path spec = TMP.newFile("people.json").toPath();
    Files.writeString(spec, "{\"name\": \"people\", \"format\": {\"type\": \"csv\"},"
        + " \"fields\": [{\"name\": \"id\", \"type\": \"int\", \"required\": true},"
        + " {\"name\": \"name\", \"type\": \"string\"}, {\"name\": \"note\", \"type\": \"string\"}],"
        + " \"dedup\": {\"key\": [\"id\"]}}");
    Path in = TMP.newFolder("csv-in").toPath();
    String csv = "\uFEFFID, Name ,Note\r\n"
        + "1,\"Smith, John\",\"said \"\"hi\"\"\"\r\n"
        + "2,\"two\r\nlines\",ok\r\n"
        + "3,ragged\r\n"
        + "4,a,b,c\r\n"
        + "five,x,y\r\n"
        + "6,\"quoted\"tail,z\r\n"
        + "7,\"never closed,z\r\n"
        + "8,not swallowed,by the open quote\r\n";
    Files.writeString(in.resolve("people.csv"), csv);
    Path out = TMP.getRoot().toPath().resolve("csv-out");
    Path sum = TMP.getRoot().toPath().resolve("csv-summary.json");
    Cli r = Cli.run("run", "--spec=" + spec, "--input=" + in + "/*.csv", "--output=" + out,
        "--keyFile=" + keys, "--summary=" + sum, "--compression=none");
    assertEquals(r.toString(), 0, r.exit);
    JsonNode s = summary(sum);
    // Records: 1, 2 (two lines), 3, 4, five, 6, 7 (its open quote costs its line only), 8.
    assertEquals(8, s.get("read").asLong());
    assertEquals(3, s.get("written").asLong());
    assertEquals(5, s.get("rejected").asLong());
    assertTrue(s.get("balanced").asBoolean());
    String rows = OutputFiles.allText(out.resolve(""))
        .lines().filter(l -> l.startsWith("{")).reduce("", (a, c) -> a + c + "\n");
    assertThat(rows, containsString("\"name\":\"Smith, John\""));
    assertThat(rows, containsString("\"note\":\"said \\\"hi\\\"\""));
    assertThat(rows, containsString("\"name\":\"two\\r\\nlines\""));
    List<JsonNode> dls = deadLetters(out);
    assertThat(reasonAt(dls, ":5"), containsString("row has 2 values; the header has 3"));
    assertThat(reasonAt(dls, ":6"), containsString("row has 4 values"));
    assertThat(reasonAt(dls, ":7"), containsString("field 'id': expected an integer"));
    assertThat(reasonAt(dls, ":8"), containsString("text after a closing quote"));
    assertThat(reasonAt(dls, ":9"), containsString("unterminated quoted field"));
  }
}
