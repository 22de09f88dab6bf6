package dev.sluice.lake;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.CreateOptions;
import org.apache.beam.sdk.io.fs.ResourceId;

/**
 * The dead letters of one object version: JSON lines, one per bad row, with the object, the
 * row's line, the reason (which names the column and the problem, never the value) and the raw
 * fields as the file had them, so the row can be fixed and sent again. Written through Beam's
 * {@link FileSystems} (local folder or S3), opened at the first bad row, replaced when the same
 * object version is tried again.
 */
final class DeadLetterFile implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String location;
  private OutputStream out;
  private long count;

  DeadLetterFile(String location) {
    this.location = location;
  }

  String location() {
    return location;
  }

  long count() {
    return count;
  }

  void write(String object, CsvFile.Row row, List<String> header) throws IOException {
    ObjectNode n = MAPPER.createObjectNode();
    n.put("object", object);
    n.put("line", row.line);
    n.put("reason", row.problem);
    if (header != null && header.size() == row.raw.size()) {
      ObjectNode rec = n.putObject("record");
      for (int i = 0; i < header.size(); i++) {
        rec.put(header.get(i), row.raw.get(i));
      }
    } else {
      ArrayNode fields = n.putArray("fields");
      row.raw.forEach(fields::add);
    }
    if (out == null) {
      ResourceId id = FileSystems.matchNewResource(location, false);
      out = new BufferedOutputStream(Channels.newOutputStream(FileSystems.create(id,
          CreateOptions.StandardCreateOptions.builder().setMimeType("application/json")
              .build())), 1 << 16);
    }
    out.write((n.toString() + "\n").getBytes(StandardCharsets.UTF_8));
    count++;
  }

  @Override
  public void close() throws IOException {
    if (out != null) {
      out.close();
      out = null;
    }
  }
}
