package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.fail;

import dev.sluice.core.pii.SluiceKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** {@link SluicePipeline#run} refusing local input before any pipeline starts. */
@RunWith(JUnit4.class)
public class SluicePipelineRunTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private SluiceOptions options(String input) throws Exception {
    Path dir = tmp.getRoot().toPath();
    SluiceOptions o = PipelineOptionsFactory.as(SluiceOptions.class);
    o.setSpec(PipelineFixtures.eventsSpec().toString());
    o.setInput(input);
    o.setOutput(dir.resolve("out").toString());
    o.setKeyFile(PipelineFixtures.writeKeyFile(SluiceKeys.generate("v1"), dir).toString());
    o.setSummary(dir.resolve("summary.json").toString());
    return o;
  }

  /** A glob that matches no file fails at start with "no files match" and writes nothing. */
  @Test
  public void inputMatchingNothingFailsAtStart() throws Exception {
    Path empty = tmp.newFolder("in").toPath();
    String input = empty.resolve("*.jsonl").toString();

    try {
      SluicePipeline.run(options(input));
      fail("an input that matches nothing must fail the run");
    } catch (SluiceException e) {
      assertThat(e.getMessage(), equalTo("--input=" + input + ": no files match"));
    }
    assertFalse(Files.exists(tmp.getRoot().toPath().resolve("out")));
    assertFalse(Files.exists(tmp.getRoot().toPath().resolve("summary.json")));
  }

  /** A named file that does not exist fails at start the same way. */
  @Test
  public void missingInputFileFailsAtStart() throws Exception {
    String input = tmp.getRoot().toPath().resolve("no-such-file.jsonl").toString();

    try {
      SluicePipeline.run(options(input));
      fail("a missing input file must fail the run");
    } catch (SluiceException e) {
      assertThat(e.getMessage(), equalTo("--input=" + input + ": no files match"));
    }
    assertFalse(Files.exists(tmp.getRoot().toPath().resolve("out")));
  }

  /**
   * A file run drops duplicates without emitting them (its sinks say withoutDuplicateKeys): the
   * ledger still counts each one and the files hold each unique record once.
   */
  @Test
  public void fileRunCountsDuplicatesAndWritesUniqueRowsOnce() throws Exception {
    Path in = tmp.newFolder("dups").toPath().resolve("events.jsonl");
    String a = "{\"event_uuid\":\"a\",\"event_name\":\"lesson:started\","
        + "\"created_at\":1710000000}";
    String b = "{\"event_uuid\":\"b\",\"event_name\":\"lesson:started\","
        + "\"created_at\":1710000060}";
    Files.write(in, java.util.List.of(a, b, a, a));

    SluicePipeline.run(options(in.toString()));

    String summary = Files.readString(tmp.getRoot().toPath().resolve("summary.json"));
    com.fasterxml.jackson.databind.JsonNode s =
        new com.fasterxml.jackson.databind.ObjectMapper().readTree(summary);
    assertThat(s.get("read").asLong(), equalTo(4L));
    assertThat(s.get("written").asLong(), equalTo(2L));
    assertThat(s.get("duplicates").asLong(), equalTo(2L));
    assertThat(s.get("rejected").asLong(), equalTo(0L));
    java.util.List<String> lines = new java.util.ArrayList<>();
    try (java.util.stream.Stream<Path> files = Files.walk(tmp.getRoot().toPath().resolve("out"))) {
      for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".jsonl.gz"))
          .filter(f -> !f.toString().contains("_dead_letters"))::iterator) {
        try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(
            new java.util.zip.GZIPInputStream(Files.newInputStream(f)),
            java.nio.charset.StandardCharsets.UTF_8))) {
          r.lines().forEach(lines::add);
        }
      }
    }
    assertThat(lines.size(), equalTo(2));
  }
}
