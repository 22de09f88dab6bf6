package dev.sluice.cli;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Encrypted values and dead-letter payloads come back with {@code sluice reveal} and the key. */
public class RevealIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** An encrypted field and a dead letter's payload round-trip; a wrong key does not. */
  @Test
  public void revealRoundTrip() throws Exception {
    Path spec = tmp.newFile("secrets.json").toPath();
    Files.writeString(spec, "{\"name\": \"secrets\", \"format\": \"json\", \"fields\": ["
        + "{\"name\": \"id\", \"type\": \"string\", \"required\": true},"
        + "{\"name\": \"email\", \"type\": \"string\", \"pii\": \"encrypt\"}],"
        + " \"dedup\": {\"key\": [\"id\"]}}");
    Path in = tmp.newFolder("in").toPath();
    String badLine = "{\"email\": \"no-id@example.org\"}";
    Files.writeString(in.resolve("s.jsonl"),
        "{\"id\": \"1\", \"email\": \"ada@example.org\"}\n" + badLine + "\n");
    Path keys = tmp.getRoot().toPath().resolve("keys.json");
    assertEquals(0, Cli.run("keys", "new", "--out=" + keys).exit);
    Path out = tmp.getRoot().toPath().resolve("out");
    Cli r = Cli.run("run", "--spec=" + spec, "--input=" + in + "/*.jsonl", "--output=" + out,
        "--keyFile=" + keys, "--compression=none");
    assertEquals(r.toString(), 0, r.exit);

    String rowLine = Files.readString(out.resolve("secrets-00000-of-00001.jsonl")).strip();
    String token = MAPPER.readTree(rowLine).get("email").asText();
    assertTrue(token.startsWith("v1:"));
    Cli reveal = Cli.run("reveal", "--keyFile=" + keys, "--field=email", token);
    assertEquals(reveal.toString(), 0, reveal.exit);
    assertEquals("ada@example.org", reveal.out.strip());

    JsonNode dl = MAPPER.readTree(Files.readString(
        out.resolve("_dead_letters/validate/secrets-00000-of-00001.jsonl")).strip());
    Cli payload = Cli.run("reveal", "--keyFile=" + keys, "--field=_payload",
        dl.get("payload_encrypted").asText());
    assertEquals(payload.toString(), 0, payload.exit);
    assertEquals(badLine, payload.out.strip());

    Path other = tmp.getRoot().toPath().resolve("other.json");
    assertEquals(0, Cli.run("keys", "new", "--out=" + other).exit);
    Cli wrong = Cli.run("reveal", "--keyFile=" + other, "--field=email", token);
    assertNotEquals(0, wrong.exit);
    assertEquals(1, wrong.err.strip().lines().count());
  }
}
