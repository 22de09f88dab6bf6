package dev.sluice.bench.jmh;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.sluice.bench.Lines;
import dev.sluice.feed.Feeds;
import dev.sluice.core.AssignPartitions;
import dev.sluice.core.RecordParser;
import dev.sluice.core.RecordProtector;
import dev.sluice.core.RecordSplitter;
import dev.sluice.core.RowEncoder;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.pii.SluiceKeys;
import dev.sluice.core.spec.FeedSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.beam.sdk.coders.CoderException;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.Row;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The per-record cost of each step of the events job, on the bench feed's generated events, so
 * a regression shows where it is. Each benchmark handles {@link #N} records per invocation and
 * reports time per record.
 *
 * <pre>
 * java -cp bench/target/classes:$(cat bench/target/classpath.txt) org.openjdk.jmh.Main \
 *     -f 1 -wi 3 -i 5 -tu ns -bm avgt 'dev.sluice.bench.jmh.*'
 * </pre>
 *
 * <ul>
 *   <li>{@code split}: bytes of a JSON-lines file into records ({@link RecordSplitter});
 *   <li>{@code parse}: a record to a typed row: UTF-8, JSON, required fields, types, the derived
 *       event_type/event_subtype ({@link RecordParser}, bench events spec);
 *   <li>{@code cleanse}: the same for {@code user_logins}, whose every field is cleansed (trim,
 *       lower, upper), minus nothing: compare with {@code parse};
 *   <li>{@code pii}: two keyed HMAC-SHA256 hashes and the output row ({@link RecordProtector});
 *   <li>{@code dedup}: the dedup key, its bucket and the seen-set ({@code DropDuplicates}' work
 *       per row, without the runner);
 *   <li>{@code partitionPath}: {@code event_type=.../dt=...} ({@link AssignPartitions});
 *   <li>{@code encode}: a row to a JSON line, one generator per file ({@link RowEncoder});
 *   <li>{@code encodeString}: the same, one String per row (the FileIO path);
 *   <li>{@code rowCoder}: a row through Beam's SchemaCoder and back: the price of one shuffle;
 *   <li>{@code gzip6}, {@code gzip1}: JSON lines through GZIPOutputStream at levels 6 and 1.
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class TransformBenchmarks {
  static final int N = 10_000;

  private byte[] file;
  private List<RawRecord> records;
  private List<RawRecord> logins;
  private List<Row> parsed;
  private List<Row> output;
  private List<byte[]> lines;
  private RecordParser parser;
  private RecordParser loginParser;
  private RecordProtector protector;
  private AssignPartitions.PathTemplate path;
  private RowEncoder encoder;
  private SchemaCoder<Row> coder;
  private Set<String> seen;
  private final NullOutputStream sink = new NullOutputStream();
  private JsonGenerator generator;

  @Setup
  public void setup() throws IOException {
    String root = System.getProperty("sluice.home", ".");
    FeedSpec spec = Feeds.load(root + "/bench/specs/events.json");
    FeedSpec loginSpec = Feeds.load(root + "/testdata/user_logins/spec.json");
    List<String> text = Lines.events(N);
    records = new ArrayList<>();
    lines = new ArrayList<>();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = 0; i < N; i++) {
      byte[] b = text.get(i).getBytes(StandardCharsets.UTF_8);
      records.add(RawRecord.of(b, "bench:" + i));
      all.write(b);
      all.write('\n');
    }
    file = all.toByteArray();
    logins = new ArrayList<>();
    for (String l : Lines.logins(N)) {
      logins.add(RawRecord.of(l.getBytes(StandardCharsets.UTF_8), "bench"));
    }
    parser = new RecordParser(spec);
    loginParser = new RecordParser(loginSpec);
    protector = new RecordProtector(spec, new Protector(SluiceKeys.generate("v1")));
    parsed = new ArrayList<>();
    output = new ArrayList<>();
    for (RawRecord r : records) {
      RecordParser.Result res = parser.parse(r);
      if (res.ok()) {
        parsed.add(res.row);
        output.add(protector.protect(res.row));
      }
    }
    encoder = new RowEncoder(spec);
    for (Row r : output) {
      lines.add((encoder.jsonLine(r) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    path = new AssignPartitions.PathTemplate(spec.partitionTemplate);
    coder = SchemaCoder.of(spec.outputSchema());
    generator = encoder.jsonLines(sink);
  }

  @Setup(Level.Iteration)
  public void fresh() {
    seen = new HashSet<>();
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public long split() throws IOException {
    return RecordSplitter.lines().split(new ByteArrayInputStream(file), (p, l, h) -> { });
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void parse(Blackhole bh) {
    for (RawRecord r : records) {
      bh.consume(parser.parse(r));
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void cleanse(Blackhole bh) {
    for (RawRecord r : logins) {
      bh.consume(loginParser.parse(r));
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void pii(Blackhole bh) {
    for (Row r : parsed) {
      bh.consume(protector.protect(r));
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void dedup(Blackhole bh) {
    for (Row r : output) {
      Object v = r.getValue(0);
      String key = String.valueOf(v);
      bh.consume(Math.floorMod(key.hashCode() * 0x9E3779B9, 256));
      bh.consume(seen.add(key));
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void partitionPath(Blackhole bh) {
    for (Row r : output) {
      bh.consume(path.render(r));
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void encode() throws IOException {
    for (Row r : output) {
      encoder.writeJsonLine(r, generator);
    }
    generator.flush();
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void encodeString(Blackhole bh) {
    for (Row r : output) {
      bh.consume(encoder.jsonLine(r).getBytes(StandardCharsets.UTF_8));
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void rowCoder(Blackhole bh) throws CoderException {
    for (Row r : output) {
      bh.consume(CoderUtils.decodeFromByteArray(coder, CoderUtils.encodeToByteArray(coder, r)));
    }
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void gzip6() throws IOException {
    gzip(Deflater.DEFAULT_COMPRESSION);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void gzip1() throws IOException {
    gzip(1);
  }

  private void gzip(int level) throws IOException {
    try (GZIPOutputStream z = new GZIPOutputStream(sink, 1 << 16) {
      {
        def.setLevel(level);
      }
    }) {
      for (byte[] l : lines) {
        z.write(l);
      }
    }
  }

  /** Discards bytes; never closes. */
  static final class NullOutputStream extends OutputStream {
    @Override
    public void write(int b) {}

    @Override
    public void write(byte[] b, int off, int len) {}

    @Override
    public void close() {}
  }
}
