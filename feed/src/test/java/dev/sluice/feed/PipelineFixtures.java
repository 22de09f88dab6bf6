package dev.sluice.feed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.pii.SluiceKeys;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Shared inputs of the pipeline tests: the shipped feeds, key files, and expectations computed
 * straight from the input files and javax.crypto, never through the code under test.
 */
final class PipelineFixtures {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private PipelineFixtures() {}

  /** The repository's testdata folder, found from the module or the repository root. */
  static Path testdata() {
    Path dir = Paths.get("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      Path t = d.resolve("testdata");
      if (Files.isDirectory(t.resolve("events"))) {
        return t;
      }
    }
    throw new IllegalStateException("no testdata folder above " + dir);
  }

  static Path eventsSpec() {
    return testdata().resolve("events/spec.json");
  }

  static Path eventsFile() {
    return testdata().resolve("events/events-2024-03-09.jsonl");
  }

  static Path userLoginsSpec() {
    return testdata().resolve("user_logins/spec.json");
  }

  static Path userLoginsFile() {
    return testdata().resolve("user_logins/user_logins-1.jsonl");
  }

  static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Writes the keys as a key file, as 'sluice keys new' would. */
  static Path writeKeyFile(SluiceKeys keys, Path dir) throws IOException {
    Path file = dir.resolve("keys.json");
    Files.writeString(file, keys.toJson(), StandardCharsets.UTF_8);
    return file;
  }

  /**
   * The keyed hash of a value in a field, from the documented derivation: a per-field key
   * HMAC-SHA256(secret, "sluice/hash/<version>/<field>"), then HMAC-SHA256(fieldKey, value),
   * base64url without padding, prefixed with the key version.
   */
  static String expectedHash(SluiceKeys keys, String field, String value) {
    try {
      JsonNode json = MAPPER.readTree(keys.toJson());
      byte[] secret = Base64.getDecoder().decode(json.get("hmac_secret").asText());
      String version = json.get("version").asText();
      Mac derive = Mac.getInstance("HmacSHA256");
      derive.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] fieldKey =
          derive.doFinal(("sluice/hash/" + version + "/" + field).getBytes(StandardCharsets.UTF_8));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(fieldKey, "HmacSHA256"));
      byte[] digest = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
      return version + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The UTC day of an epoch second, as the partition template's {@code yyyy-MM-dd}. */
  static String utcDay(long epochSeconds) {
    return Instant.ofEpochSecond(epochSeconds).atZone(ZoneOffset.UTC).toLocalDate().toString();
  }

  /**
   * The events file as an independent oracle: a line is a good event when it is a JSON object
   * with a non-blank event_uuid, an event_name holding ':' and an integral created_at. First
   * occurrence of a uuid wins; returns uuid to its JSON object, in file order.
   */
  static Map<String, JsonNode> goodUniqueEvents(Path file) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (String line : lines(file)) {
      JsonNode n;
      try {
        n = MAPPER.readTree(line);
      } catch (IOException e) {
        continue;
      }
      if (n == null || !n.isObject()) {
        continue;
      }
      JsonNode uuid = n.get("event_uuid");
      JsonNode name = n.get("event_name");
      JsonNode created = n.get("created_at");
      if (uuid == null || !uuid.isTextual() || uuid.asText().isBlank()
          || name == null || !name.isTextual() || !name.asText().contains(":")
          || created == null || !created.isIntegralNumber()) {
        continue;
      }
      out.putIfAbsent(uuid.asText().strip(), n);
    }
    return out;
  }

  /** Partition path to row count, for the good unique events of a file. */
  static Map<String, Long> expectedEventPartitions(Path file) {
    Map<String, Long> counts = new TreeMap<>();
    for (JsonNode n : goodUniqueEvents(file).values()) {
      counts.merge(eventPartition(n), 1L, Long::sum);
    }
    return counts;
  }

  static String eventPartition(JsonNode event) {
    String type = event.get("event_name").asText().strip().split(":", 2)[0];
    return "event_type=" + type + "/dt=" + utcDay(event.get("created_at").asLong());
  }

  /** Every ip and device_id value in the user_logins file, trimmed. */
  static List<String> rawUserLoginPii() {
    List<String> out = new ArrayList<>();
    for (String line : lines(userLoginsFile())) {
      try {
        JsonNode n = MAPPER.readTree(line);
        for (String f : List.of("ip", "device_id")) {
          if (n != null && n.isObject() && n.hasNonNull(f)) {
            out.add(n.get(f).asText().strip());
          }
        }
      } catch (IOException e) {
        // not JSON: holds no field
      }
    }
    return out;
  }
}
