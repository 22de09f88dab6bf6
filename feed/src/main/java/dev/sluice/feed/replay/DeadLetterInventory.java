package dev.sluice.feed.replay;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.io.SluiceException;
import dev.sluice.feed.SluicePipeline;
import dev.sluice.io.jdbc.Database;
import dev.sluice.io.jdbc.StoreAndAck;
import dev.sluice.io.files.WriteDeadLetters;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;

/**
 * The dead letters a replay will read, looked over on the client before the run: which files
 * hold them, how many there are, and which cannot be replayed (no payload to decrypt) and why.
 * Only metadata is read here; payloads are decrypted by the workers ({@link ReadDeadLetters}),
 * so no plaintext ever travels inside the job's definition.
 */
public final class DeadLetterInventory {
  static final String NO_PAYLOAD = "no payload (an oversized record cut at the source); replay it"
      + " from its origin by hand";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  public final String location;
  public final List<String> files;
  public final long total;
  /** Not replayable, by why; replayed ones are counted by the run itself. */
  public final Map<String, Long> notReplayable;
  /** One origin per why, never a value. */
  public final Map<String, String> examples;
  /** One payload token, to check the key opens them before anything runs; null if none. */
  public final String sampleToken;

  private DeadLetterInventory(String location, List<String> files, long total,
      Map<String, Long> notReplayable, Map<String, String> examples, String sampleToken) {
    this.sampleToken = sampleToken;
    this.location = location;
    this.files = files;
    this.total = total;
    this.notReplayable = notReplayable;
    this.examples = examples;
  }

  /** Why a dead letter cannot be replayed, or null if it can. */
  static String whyNot(JsonNode deadLetter) {
    JsonNode token = deadLetter.get("payload_encrypted");
    if (token == null || token.isNull() || token.asText().isEmpty()) {
      return NO_PAYLOAD;
    }
    return null;
  }

  /**
   * The dead-letter files of {@code feed} under {@code location} (a run's output or its
   * {@code _dead_letters} folder); files of earlier replays ({@code <feed>-replay-*}) are
   * skipped when {@code skipReplays}, so replaying into the same output twice reads the same.
   */
  public static DeadLetterInventory ofFolder(String location, String feed, boolean skipReplays) {
    String base = location.endsWith("/") ? location.substring(0, location.length() - 1)
        : location;
    List<String> files = match(base + "/" + WriteDeadLetters.FOLDER + "/*/*.jsonl");
    if (files.isEmpty()) {
      files = match(base + "/*/*.jsonl");
    }
    List<String> mine = new ArrayList<>();
    for (String f : files) {
      String name = f.substring(f.lastIndexOf('/') + 1);
      if (skipReplays && name.startsWith(feed + "-replay-")) {
        continue;
      }
      mine.add(f);
    }
    if (mine.isEmpty()) {
      throw new SluiceException("--deadLetters=" + location + ": no dead-letter files"
          + " (<stage>/*.jsonl) there or under " + WriteDeadLetters.FOLDER + "/");
    }
    long total = 0;
    String sample = null;
    Map<String, Long> not = new TreeMap<>();
    Map<String, String> examples = new TreeMap<>();
    for (String f : mine) {
      try (DeadLetterFile in = DeadLetterFile.open(f)) {
        for (JsonNode d = in.next(); d != null; d = in.next()) {
          String of = d.path("feed").asText();
          if (!of.equals(feed)) {
            throw new SluiceException(f + ":" + in.line() + ": a dead letter of feed '" + of
                + "', not of the spec's feed '" + feed + "'");
          }
          total++;
          String why = whyNot(d);
          if (why != null) {
            not.merge(why, 1L, Long::sum);
            examples.putIfAbsent(why, d.path("origin").asText());
          } else if (sample == null) {
            sample = d.get("payload_encrypted").asText();
          }
        }
      } catch (IOException e) {
        throw new SluiceException(f + ": cannot be read (" + SluiceException.rootCause(e) + ")");
      }
    }
    return new DeadLetterInventory(location, mine, total, not, examples, sample);
  }

  /** The dead letters of {@code feed} in the {@code sluice_dead_letters} table (SQS runs). */
  public static DeadLetterInventory ofTable(Database db, String feed) {
    long total = 0;
    String sample = null;
    Map<String, Long> not = new TreeMap<>();
    Map<String, String> examples = new TreeMap<>();
    try (Connection c = db.connect();
        PreparedStatement ps = c.prepareStatement("SELECT origin, payload_encrypted FROM "
            + StoreAndAck.DEAD_LETTER_TABLE
            + " WHERE feed = ?")) {
      ps.setString(1, feed);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          total++;
          String token = rs.getString(2);
          if (token == null || token.isEmpty()) {
            not.merge(NO_PAYLOAD, 1L, Long::sum);
            examples.putIfAbsent(NO_PAYLOAD, rs.getString(1));
          } else if (sample == null) {
            sample = token;
          }
        }
      }
    } catch (SQLException e) {
      throw new SluiceException(StoreAndAck.DEAD_LETTER_TABLE + ": " + db.describe(e));
    }
    if (total == 0) {
      throw new SluiceException("--deadLetters=jdbc: " + StoreAndAck.DEAD_LETTER_TABLE
          + " holds no dead letters of feed " + feed);
    }
    return new DeadLetterInventory(StoreAndAck.DEAD_LETTER_TABLE, List.of(), total, not,
        examples, sample);
  }

  public long notReplayableCount() {
    return notReplayable.values().stream().mapToLong(Long::longValue).sum();
  }

  static JsonNode parse(String line, String file, long n) {
    JsonNode d;
    try {
      d = MAPPER.readTree(line);
    } catch (IOException e) {
      throw new SluiceException(file + ":" + n + ": not a dead letter (not JSON)");
    }
    if (!d.isObject() || !d.hasNonNull("origin") || !d.hasNonNull("stage")
        || !d.hasNonNull("feed")) {
      throw new SluiceException(file + ":" + n + ": not a dead letter (no feed, stage, origin)");
    }
    return d;
  }

  private static List<String> match(String glob) {
    List<String> out = new ArrayList<>();
    try {
      for (MatchResult r : FileSystems.match(List.of(glob), EmptyMatchTreatment.ALLOW)) {
        if (r.status() != MatchResult.Status.OK) {
          continue;
        }
        for (MatchResult.Metadata m : r.metadata()) {
          if (!m.resourceId().isDirectory()) {
            out.add(m.resourceId().toString());
          }
        }
      }
    } catch (IOException e) {
      throw new SluiceException(glob + ": cannot be listed (" + SluiceException.rootCause(e)
          + ")");
    }
    out.sort(null);
    return out;
  }
}
