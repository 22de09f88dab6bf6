package dev.sluice.io.files;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.model.DeadLetter;
import java.util.Objects;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.transforms.Contextful;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;

/**
 * Writes every stage's dead letters as JSON lines under {@code <output>/_dead_letters/<stage>/}:
 * feed, stage, reason, origin, the payload encrypted ({@code sluice reveal --field=_payload})
 * and the protected view where the record parsed. Uncompressed, for a person to read.
 */
public final class WriteDeadLetters
    extends PTransform<PCollection<DeadLetter>, PCollection<KV<String, String>>> {
  public static final String FOLDER = "_dead_letters";

  private final String output;
  private final String prefix;

  private WriteDeadLetters(String output, String prefix) {
    this.output = output;
    this.prefix = prefix;
  }

  public static WriteDeadLetters under(String output) {
    return new WriteDeadLetters(Objects.requireNonNull(output, "output"), "part");
  }

  public WriteDeadLetters withPrefix(String prefix) {
    return new WriteDeadLetters(output, Objects.requireNonNull(prefix, "prefix"));
  }

  /** The dead-letter folder below an output. */
  public static String folder(String output) {
    return output.endsWith("/") ? output + FOLDER : output + "/" + FOLDER;
  }

  /** Each stage's file: stage to file name. */
  @Override
  public PCollection<KV<String, String>> expand(PCollection<DeadLetter> input) {
    String namePrefix = prefix;
    String dir = output.endsWith("/") ? output + FOLDER : output + "/" + FOLDER;
    if (WriteBatchTextFiles.takes(input)) {
      // A batch: written where they are, without a shuffle (see WriteBatchTextFiles).
      return input.apply("WriteDeadLetterFiles",
          WriteBatchTextFiles.lines(dir, DeadLetter::stage, WriteDeadLetters::toJson,
              namePrefix, ".jsonl", Compression.UNCOMPRESSED, 1));
    }
    return WritePartitionedFiles.counted(input.apply(
        "WriteDeadLetterFiles",
        FileIO.<String, DeadLetter>writeDynamic()
            .by(DeadLetter::stage)
            .withDestinationCoder(StringUtf8Coder.of())
            .via(Contextful.fn(WriteDeadLetters::toJson), TextIO.sink())
            .to(dir)
            .withNaming(stage -> new PartitionNaming(stage, namePrefix, ".jsonl"))
            .withNumShards(1)
            .withCompression(Compression.UNCOMPRESSED))
        .getPerDestinationOutputFilenames());
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();

  public static String toJson(DeadLetter d) {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("feed", d.feed());
    n.put("stage", d.stage());
    n.put("reason", d.reason());
    n.put("origin", d.origin());
    n.put("payload_encrypted", d.payloadToken());
    if (d.protectedRecord() != null) {
      try {
        n.set("record", MAPPER.readTree(d.protectedRecord()));
      } catch (Exception e) {
        n.put("record", d.protectedRecord());
      }
    }
    return n.toString();
  }
}
