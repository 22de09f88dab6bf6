package dev.sluice.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;

/**
 * Benchmark input: N lines of a feed, deterministic by seed, with a settable share of duplicates
 * (an earlier line sent again, byte for byte, as a retrying producer does) and of broken lines.
 *
 * <pre>
 * java -cp ... dev.sluice.bench.Generate --feed=events --count=1000000 --seed=1 \
 *     --duplicates=0.05 --broken=0.01 --files=4 --out=/tmp/in/events
 * </pre>
 *
 * <p>Feeds: {@code events} (the events feed, plus {@code user_id} and {@code ip}, which the
 * bench spec hashes; the shipped spec ignores them), {@code user_logins}, and {@code weblogs}
 * and {@code cafe} through the generators of {@code sluice generate} (they must be on the
 * class path: the shaded jar). {@code --files=K} writes {@code <out>-0000.jsonl} to
 * {@code <out>-000(K-1).jsonl}, each a contiguous slice of the lines (of time, for events), as
 * hourly or daily exports are. The same arguments always give the same bytes.
 */
public final class Generate {
  private static final String[] EVENT_NAMES = {
    "account:created", "account:deleted", "lesson:started", "lesson:completed",
    "payment:order", "payment:refund"
  };
  private static final String[] DEVICES = {"web", "android", "ios", "Android ", " iOS"};
  private static final String[] LOCALES = {"en", "de", "ru", "US", "fr", " es"};
  private static final String[] VERSIONS = {"0.96", "2.3.0", "2.3.1", "3.0.0"};

  private Generate() {}

  public static void main(String[] args) throws IOException {
    Map<String, String> a = Args.parse(args);
    String feed = a.getOrDefault("feed", "events");
    long count = Long.parseLong(a.getOrDefault("count", "1000"));
    long seed = Long.parseLong(a.getOrDefault("seed", "1"));
    double duplicates = Double.parseDouble(a.getOrDefault("duplicates", "0.05"));
    double broken = Double.parseDouble(a.getOrDefault("broken", "0.01"));
    int files = Integer.parseInt(a.getOrDefault("files", "1"));
    String out = a.get("out");
    boolean gzip = Boolean.parseBoolean(a.getOrDefault("gzip", "false"));
    if (out == null || count < 0 || files < 1 || duplicates < 0 || broken < 0
        || duplicates + broken > 1) {
      System.err.println("usage: Generate --feed=events|user_logins|weblogs|cafe --count=N"
          + " --seed=S --duplicates=0.05 --broken=0.01 --files=K --out=PATH_PREFIX [--gzip=true]");
      System.exit(2);
    }
    Supplier<String> lines = lines(feed, seed, count, duplicates, broken, a);
    String suffix = (feed.equals("cafe") ? ".csv" : feed.equals("weblogs") ? ".log" : ".jsonl")
        + (gzip ? ".gz" : "");
    Path first = Path.of(out).toAbsolutePath();
    if (first.getParent() != null) {
      Files.createDirectories(first.getParent());
    }
    long written = 0;
    for (int f = 0; f < files; f++) {
      long upTo = count * (f + 1) / files;
      Path file = Path.of(out + String.format(Locale.ROOT, "-%04d", f) + suffix);
      try (OutputStream os = Files.newOutputStream(file)) {
        OutputStream target = gzip ? new GZIPOutputStream(os, 1 << 16) : os;
        Writer w = new BufferedWriter(new OutputStreamWriter(target, StandardCharsets.UTF_8),
            1 << 16);
        for (; written < upTo; written++) {
          w.write(lines.get());
          w.write('\n');
        }
        w.flush();
        if (gzip) {
          ((GZIPOutputStream) target).finish();
        }
      }
    }
  }

  static Supplier<String> lines(String feed, long seed, long count, double duplicates,
      double broken, Map<String, String> a) {
    switch (feed) {
      case "events":
        return new Events(seed, count, duplicates, broken,
            Long.parseLong(a.getOrDefault("start", "1709251200")),
            Integer.parseInt(a.getOrDefault("days", "14")))::next;
      case "user_logins":
        return new Logins(seed, duplicates, broken)::next;
      case "weblogs":
        return new Resend(seed, duplicates, reflect("dev.sluice.cli.generate.WeblogGenerator",
            new Class<?>[] {long.class, OffsetDateTime.class, double.class},
            seed, OffsetDateTime.parse(a.getOrDefault("startTime", "2024-12-30T00:00:00-07:00")),
            broken))::next;
      case "cafe":
        return new Resend(seed, duplicates, reflect("dev.sluice.cli.generate.CafeGenerator",
            new Class<?>[] {long.class, LocalDate.class, String.class, long.class, double.class},
            seed, LocalDate.parse(a.getOrDefault("date", "2021-08-25")),
            a.getOrDefault("branch", "Chesterfield"), count, broken))::next;
      default:
        throw new IllegalArgumentException("--feed=" + feed
            + ": one of events, user_logins, weblogs, cafe");
    }
  }

  /** The weblogs and cafe generators live in the runners module: used from the shaded jar. */
  private static Supplier<String> reflect(String cls, Class<?>[] types, Object... args) {
    try {
      Class<?> c = Class.forName(cls);
      Constructor<?> ctor = c.getConstructor(types);
      Object g = ctor.newInstance(args);
      Method next = c.getMethod("next");
      return () -> {
        try {
          return (String) next.invoke(g);
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      };
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(cls + " is not on the class path (add"
          + " cli/target/sluice.jar): " + e);
    }
  }

  /**
   * Events of the {@code events} feed, spread evenly over {@code days} (so 1M and 10M events
   * make the same partitions), up to a minute out of order, with two personal fields.
   */
  static final class Events {
    private final SplittableRandom random;
    private final long count;
    private final double duplicates;
    private final double broken;
    private final long start;
    private final long span;
    private final Resend.Reservoir sent;
    private long n;

    Events(long seed, long count, double duplicates, double broken, long start, int days) {
      this.random = new SplittableRandom(seed);
      this.count = Math.max(1, count);
      this.duplicates = duplicates;
      this.broken = broken;
      this.start = start;
      this.span = days * 86_400L;
      this.sent = new Resend.Reservoir(random);
    }

    String next() {
      long i = n++;
      double r = random.nextDouble();
      long t = start + i * span / count + random.nextInt(61) - 30;
      if (r < broken) {
        return brokenLine(t);
      }
      if (r < broken + duplicates && !sent.isEmpty()) {
        return sent.pick();
      }
      StringBuilder b = new StringBuilder(256);
      b.append("{\"event_uuid\":\"").append(uuid()).append("\",\"event_name\":\"")
          .append(EVENT_NAMES[random.nextInt(EVENT_NAMES.length)])
          .append("\",\"created_at\":").append(t)
          .append(",\"user_id\":\"u").append(10000 + random.nextInt(90000))
          .append("\",\"ip\":\"").append(ip())
          .append("\",\"payload\":{\"course_id\":").append(1 + random.nextInt(500))
          .append(",\"amount\":").append(amount()).append("}}");
      String line = b.toString();
      sent.add(line);
      return line;
    }

    private String brokenLine(long t) {
      switch (random.nextInt(5)) {
        case 0: // cut off mid-value
          return "{\"event_uuid\":\"" + uuid() + "\",\"event_name\":\"lesson:started\","
              + "\"created_at\":";
        case 1: // not JSON at all
          return "GET /health HTTP/1.1 200";
        case 2: // cannot derive event_type
          return "{\"event_uuid\":\"" + uuid() + "\",\"event_name\":\"broken\",\"created_at\":"
              + t + ",\"user_id\":\"u1\",\"ip\":\"" + ip() + "\",\"payload\":{}}";
        case 3: // required key missing
          return "{\"event_name\":\"lesson:started\",\"created_at\":" + t + ",\"payload\":{}}";
        default: // wrong type
          return "{\"event_uuid\":\"" + uuid() + "\",\"event_name\":\"lesson:started\","
              + "\"created_at\":\"yesterday\",\"payload\":{}}";
      }
    }

    private String uuid() {
      return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    private String ip() {
      return random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "."
          + random.nextInt(256);
    }

    private String amount() {
      int cents = random.nextInt(10000);
      return (cents / 100) + "." + (cents % 100 < 10 ? "0" : "") + (cents % 100);
    }
  }

  /** {@code user_logins}: SQS login messages; ip and device id are hashed by its spec. */
  static final class Logins {
    private final SplittableRandom random;
    private final double duplicates;
    private final double broken;
    private final Resend.Reservoir sent;

    Logins(long seed, double duplicates, double broken) {
      this.random = new SplittableRandom(seed);
      this.duplicates = duplicates;
      this.broken = broken;
      this.sent = new Resend.Reservoir(random);
    }

    String next() {
      double r = random.nextDouble();
      if (r < broken) {
        return random.nextBoolean() ? "{\"user_id\": \"u" + random.nextInt(100000)
            + "\", \"app_version\": \"2.3" : "{\"app_version\": \"2.3.0\", \"locale\": \"en\"}";
      }
      if (r < broken + duplicates && !sent.isEmpty()) {
        return sent.pick();
      }
      String line = "{\"user_id\": \"u" + (10000 + random.nextInt(90000))
          + "\", \"app_version\": \"" + VERSIONS[random.nextInt(VERSIONS.length)]
          + "\", \"device_type\": \"" + DEVICES[random.nextInt(DEVICES.length)]
          + "\", \"ip\": \"" + random.nextInt(256) + "." + random.nextInt(256) + "."
          + random.nextInt(256) + "." + random.nextInt(256)
          + "\", \"locale\": \"" + LOCALES[random.nextInt(LOCALES.length)]
          + "\", \"device_id\": \"" + (100 + random.nextInt(900)) + "-"
          + (10 + random.nextInt(90)) + "-" + (1000 + random.nextInt(9000)) + "\"}";
      sent.add(line);
      return line;
    }
  }

  /** Wraps a line generator: a share of lines is an earlier line sent again. */
  static final class Resend {
    private final SplittableRandom random;
    private final double duplicates;
    private final Supplier<String> lines;
    private final Reservoir sent;

    Resend(long seed, double duplicates, Supplier<String> lines) {
      this.random = new SplittableRandom(seed ^ 0x5DEECE66DL);
      this.duplicates = duplicates;
      this.lines = lines;
      this.sent = new Reservoir(random);
    }

    String next() {
      if (random.nextDouble() < duplicates && !sent.isEmpty()) {
        return sent.pick();
      }
      String line = lines.get();
      sent.add(line);
      return line;
    }

    /** The last lines sent (up to 10,000, then a random one replaced), to resend from. */
    static final class Reservoir {
      private final SplittableRandom random;
      private final List<String> lines = new ArrayList<>();

      Reservoir(SplittableRandom random) {
        this.random = random;
      }

      boolean isEmpty() {
        return lines.isEmpty();
      }

      String pick() {
        return lines.get(random.nextInt(lines.size()));
      }

      void add(String line) {
        if (lines.size() < 10_000) {
          lines.add(line);
        } else {
          lines.set(random.nextInt(lines.size()), line);
        }
      }
    }
  }
}
