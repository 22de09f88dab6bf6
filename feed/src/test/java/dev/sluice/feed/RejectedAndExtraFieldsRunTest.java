package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.pii.SluiceKeys;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Whole runs ({@link SluicePipeline#run}, DirectRunner, local files) that reject too much, and
 * events whose fields sit at the top level: kept by the shipped spec, counted when dropped.
 */
@RunWith(JUnit4.class)
public class RejectedAndExtraFieldsRunTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static final String GOOD_1 = "{\"event_uuid\": \"u-1\", \"event_name\":"
      + " \"payment:completed\", \"created_at\": 1710125535, \"account_id\": 41,"
      + " \"amount\": 9.5, \"currency\": \"EUR\", \"email\": \"ann@example.com\"}";
  private static final String GOOD_2 = "{\"event_uuid\": \"u-2\", \"event_name\":"
      + " \"account:created\", \"created_at\": 1710125600, \"payload\": {\"plan\": \"pro\"}}";
  private static final String NO_COLON = "{\"event_uuid\": \"u-3\", \"event_name\": \"cancel\","
      + " \"created_at\": 1710125700}";
  private static final String NOT_JSON = "event_uuid=u-4";

  private Path input(String... lines) throws IOException {
    Path dir = tmp.newFolder().toPath();
    Files.writeString(dir.resolve("in.jsonl"), String.join("\n", lines) + "\n");
    return dir.resolve("in.jsonl");
  }

  private SluiceOptions options(Path spec, Path input, String maxRejected) throws Exception {
    Path dir = tmp.newFolder().toPath();
    SluiceOptions o = PipelineOptionsFactory.as(SluiceOptions.class);
    o.setSpec(spec.toString());
    o.setInput(input.toString());
    o.setOutput(dir.resolve("out").toString());
    o.setKeyFile(PipelineFixtures.writeKeyFile(SluiceKeys.generate("v1"), dir).toString());
    o.setSummary(dir.resolve("summary.json").toString());
    o.setMaxRejected(maxRejected);
    return o;
  }

  private static JsonNode summary(SluiceOptions o) throws IOException {
    return MAPPER.readTree(Files.readString(Path.of(o.getSummary())));
  }

  /** Every output line of the run's partition files, gunzipped. */
  private static List<JsonNode> outputRows(SluiceOptions o) throws IOException {
    List<JsonNode> rows = new ArrayList<>();
    try (Stream<Path> files = Files.walk(Path.of(o.getOutput()))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.toString().endsWith(".jsonl.gz") && !f.toString().contains("_dead_letters")) {
          try (InputStream in = new GZIPInputStream(Files.newInputStream(f))) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
              if (!line.isEmpty()) {
                rows.add(MAPPER.readTree(line));
              }
            }
          }
        }
      }
    }
    return rows;
  }

  /**
   * A run in which every record is rejected fails by default, with one line naming the top
   * reasons and their counts; the summary is written all the same, and the dead letters too.
   */
  @Test
  public void everyRecordRejectedFailsNamingTopReasons() throws Exception {
    SluiceOptions o = options(PipelineFixtures.eventsSpec(),
        input(NO_COLON, NOT_JSON, NOT_JSON, NO_COLON.replace("u-3", "u-5"), NOT_JSON), null);
    try {
      SluicePipeline.run(o);
      fail("a run that rejected every record must fail");
    } catch (TooManyRejected e) {
      assertEquals("events: rejected 5 of 5 records read, more than --maxRejected allows (all"
          + " but one); top reasons: parse: not valid JSON: unexpected character at column # (3);"
          + " validate: field 'event_name' has no ':' to split into 'event_type' (2)",
          e.getMessage());
      assertEquals(5, e.ledger().rejected());
    }
    JsonNode s = summary(o);
    assertEquals(5, s.get("read").asLong());
    assertEquals(5, s.get("rejected").asLong());
    assertEquals(3, s.get("top_reasons")
        .get("parse: not valid JSON: unexpected character at column #").asLong());
    assertTrue(Files.isDirectory(Path.of(o.getOutput(), "_dead_letters", "parse")));
  }

  /** One bad record of three passes by default; a count or share below it fails. */
  @Test
  public void maxRejectedTakesACountOrAShare() throws Exception {
    Path in = input(GOOD_1, GOOD_2, NOT_JSON);
    assertEquals(1, SluicePipeline.run(options(PipelineFixtures.eventsSpec(), in, null))
        .rejected());
    assertEquals(2, SluicePipeline.run(options(PipelineFixtures.eventsSpec(), in, "34%"))
        .written());
    for (String tooFew : new String[] {"0", "33%"}) {
      SluiceOptions o = options(PipelineFixtures.eventsSpec(), in, tooFew);
      try {
        SluicePipeline.run(o);
        fail("--maxRejected=" + tooFew + " must fail a run with 1 of 3 rejected");
      } catch (TooManyRejected e) {
        assertThat(e.getMessage(), containsString("rejected 1 of 3 records read, more than"
            + " --maxRejected allows (" + tooFew + "); top reasons: parse: not valid JSON"));
      }
      assertEquals(2, summary(o).get("written").asLong());
    }
    try {
      SluicePipeline.run(options(PipelineFixtures.eventsSpec(), in, "lots"));
      fail("a bad --maxRejected must be refused");
    } catch (SluiceException e) {
      assertEquals("--maxRejected=lots: expected a count such as 100 or a share such as 5%",
          e.getMessage());
    }
  }

  /**
   * The shipped events spec keeps top-level fields in the extra_fields column of the files; a
   * spec that drops them counts each one in the ledger.
   */
  @Test
  public void topLevelFieldsAreKeptOrCounted() throws Exception {
    SluiceOptions keep = options(PipelineFixtures.eventsSpec(), input(GOOD_1, GOOD_2), null);
    RunLedger kept = SluicePipeline.run(keep);
    assertEquals(0, kept.fieldsDropped());
    List<String> extras = new ArrayList<>();
    for (JsonNode row : outputRows(keep)) {
      extras.add(row.get("event_uuid").asText() + " " + row.get("extra_fields"));
    }
    extras.sort(null);
    // email is a named field (hashed), so it is no extra and is nowhere in clear.
    assertEquals(List.of("u-1 {\"account_id\":41,\"amount\":9.5,\"currency\":\"EUR\"}",
        "u-2 null"), extras);
    for (JsonNode row : outputRows(keep)) {
      assertFalse(row.toString().contains("example.com"));
    }

    Path dropSpec = tmp.getRoot().toPath().resolve("events-drop.json");
    Files.writeString(dropSpec, Files.readString(PipelineFixtures.eventsSpec())
        .replace("\"extra_fields\": \"keep\"", "\"extra_fields\": \"drop\""));
    SluiceOptions drop = options(dropSpec, input(GOOD_1, GOOD_2), null);
    RunLedger dropped = SluicePipeline.run(drop);
    assertEquals(3, dropped.fieldsDropped());
    assertThat(dropped.line(), containsString("rejected 0; fields dropped 3  [balanced]"));
    assertEquals(3, summary(drop).get("fields_dropped").asLong());
    for (JsonNode row : outputRows(drop)) {
      assertFalse(row.has("extra_fields"));
      assertFalse(row.toString().contains("example.com"));
    }
  }
}
