package dev.sluice.feed.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.io.jdbc.Database;
import dev.sluice.io.jdbc.StoreAndAck;
import dev.sluice.core.RecordSplitter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;

/**
 * A source of the records dead letters hold: each dead letter's payload decrypted back into the
 * {@link RawRecord} its run read, with the same origin and source id, so a keyless feed's row
 * gets the key it would have had and a second replay upserts onto the first.
 *
 * <pre>{@code
 * p.apply(ReadDeadLetters.files(inventory.files).forFeed(spec).withProtector(protector));
 * }</pre>
 *
 * <p>Dead letters without a payload, or whose payload was cut at the splitter's hard cap, are
 * not replayed; they are counted under {@link #NAMESPACE} so the replay's books still close.
 */
public final class ReadDeadLetters extends PTransform<PBegin, PCollection<RawRecord>> {
  public static final String NAMESPACE = "sluice.replay";
  public static final String NOT_REPLAYABLE_PREFIX = "not_replayable.";
  static final String CUT = "payload cut at " + (RecordSplitter.HARD_CAP >> 20) + " MiB (an"
      + " oversized record); replay it from its origin by hand";

  private final List<String> files;
  private final Database table;
  private final FeedSpec spec;
  private final Protector protector;

  private ReadDeadLetters(List<String> files, Database table, FeedSpec spec,
      Protector protector) {
    this.files = files;
    this.table = table;
    this.spec = spec;
    this.protector = protector;
  }

  /** Dead-letter files as {@code WriteDeadLetters} writes them. */
  public static ReadDeadLetters files(List<String> files) {
    return new ReadDeadLetters(List.copyOf(files), null, null, null);
  }

  /** The {@code sluice_dead_letters} table of an SQS run. */
  public static ReadDeadLetters table(Database db) {
    return new ReadDeadLetters(null, Objects.requireNonNull(db, "db"), null, null);
  }

  public ReadDeadLetters forFeed(FeedSpec spec) {
    return new ReadDeadLetters(files, table, Objects.requireNonNull(spec, "spec"), protector);
  }

  public ReadDeadLetters withProtector(Protector protector) {
    return new ReadDeadLetters(files, table, spec, Objects.requireNonNull(protector,
        "protector"));
  }

  @Override
  public PCollection<RawRecord> expand(PBegin input) {
    Objects.requireNonNull(spec, "forFeed");
    Objects.requireNonNull(protector, "withProtector");
    PCollection<RawRecord> records;
    if (table != null) {
      records = input.apply("Feed", Create.of(spec.name))
          .apply("ReadDeadLetterRows", ParDo.of(new FromTableFn(table, spec, protector)));
    } else {
      records = input.apply("Files", Create.of(files))
          .apply("ReadDeadLetterFiles", ParDo.of(new FromFilesFn(spec, protector)));
    }
    // One file may hold every dead letter; spread them before the graph's work.
    return records.setCoder(RawRecord.RawRecordCoder.of())
        .apply("Spread", Reshuffle.viaRandomKey());
  }

  /** The id a source gave the record at {@code origin} (see each source's RawRecord). */
  static String sourceIdOf(String origin) {
    if (origin.startsWith("sqs:")) {
      return origin.substring(origin.lastIndexOf('/') + 1);
    }
    if (origin.startsWith("kinesis:")) {
      return origin.substring(origin.indexOf('/') + 1);
    }
    return origin;
  }

  /** Decrypts and rebuilds records; the CSV header, when the feed has one, from the origin. */
  abstract static class ToRecordFn<T> extends DoFn<T, RawRecord> {
    private final FeedSpec spec;
    private final Protector protector;
    private final Counter cut = Metrics.counter(NAMESPACE, NOT_REPLAYABLE_PREFIX + "cut");
    private transient Map<String, String> headers;

    ToRecordFn(FeedSpec spec, Protector protector) {
      this.spec = spec;
      this.protector = protector;
    }

    @Setup
    public void setup() {
      headers = new HashMap<>();
    }

    /** The record, or null (counted) when it cannot be replayed. */
    RawRecord toRecord(String origin, String token) throws IOException {
      if (token == null || token.isEmpty()) {
        return null; // counted by the inventory, before the run
      }
      byte[] payload = protector.decryptBytes(Protector.PAYLOAD_FIELD, token);
      if (payload.length >= RecordSplitter.HARD_CAP) {
        cut.inc();
        return null;
      }
      String header = null;
      if (spec.format == FeedSpec.Format.CSV && spec.csvHeader) {
        header = headerOf(origin);
      }
      return new RawRecord(payload, origin, sourceIdOf(origin), System.currentTimeMillis(),
          header);
    }

    /** The first line of the file named in {@code file:line}, where its header is. */
    private String headerOf(String origin) throws IOException {
      int colon = origin.lastIndexOf(':');
      String file = colon < 0 ? origin : origin.substring(0, colon);
      String h = headers.get(file);
      if (h == null) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
            Channels.newInputStream(FileSystems.open(FileSystems.matchNewResource(file, false))),
            StandardCharsets.UTF_8))) {
          h = in.readLine();
        }
        if (h == null) {
          throw new IOException("the header of " + file + " cannot be read (empty file)");
        }
        headers.put(file, h);
      }
      return h;
    }
  }

  static final class FromFilesFn extends ToRecordFn<String> {
    FromFilesFn(FeedSpec spec, Protector protector) {
      super(spec, protector);
    }

    @ProcessElement
    public void process(@Element String file, OutputReceiver<RawRecord> out) throws IOException {
      try (DeadLetterFile in = DeadLetterFile.open(file)) {
        for (JsonNode d = in.next(); d != null; d = in.next()) {
          if (DeadLetterInventory.whyNot(d) != null) {
            continue;
          }
          RawRecord r = toRecord(d.get("origin").asText(), d.get("payload_encrypted").asText());
          if (r != null) {
            out.output(r);
          }
        }
      }
    }
  }

  static final class FromTableFn extends ToRecordFn<String> {
    private final Database db;

    FromTableFn(Database db, FeedSpec spec, Protector protector) {
      super(spec, protector);
      this.db = db;
    }

    @ProcessElement
    public void process(@Element String feed, OutputReceiver<RawRecord> out)
        throws IOException, SQLException {
      try (Connection c = db.connect();
          PreparedStatement ps = c.prepareStatement("SELECT origin, payload_encrypted FROM "
              + StoreAndAck.DEAD_LETTER_TABLE + " WHERE feed = ? ORDER BY origin")) {
        ps.setString(1, feed);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            RawRecord r = toRecord(rs.getString(1), rs.getString(2));
            if (r != null) {
              out.output(r);
            }
          }
        }
      }
    }
  }
}
