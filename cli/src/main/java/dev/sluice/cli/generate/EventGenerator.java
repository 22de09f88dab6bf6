package dev.sluice.cli.generate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * Events of the {@code events} feed, as the seed's event bot made them: deterministic by seed,
 * in event-time order one second apart, with a share of duplicates (an earlier event sent
 * again) and of broken lines.
 */
public final class EventGenerator {
  private static final String[] NAMES = {
    "account:created", "account:deleted", "lesson:started", "lesson:completed",
    "payment:order", "payment:refund"
  };
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Random random;
  private final long start;
  private final double duplicates;
  private final double broken;
  private final List<String> sent = new ArrayList<>();
  private long n;

  public EventGenerator(long seed, long startEpochSeconds, double duplicates, double broken) {
    this.random = new Random(seed);
    this.start = startEpochSeconds;
    this.duplicates = duplicates;
    this.broken = broken;
  }

  public String next() {
    double r = random.nextDouble();
    if (r < broken) {
      n++;
      return "{\"event_uuid\": \"" + new UUID(random.nextLong(), random.nextLong())
          + "\", \"event_name\": \"broken\", \"created_at\": ";
    }
    if (r < broken + duplicates && !sent.isEmpty()) {
      return sent.get(random.nextInt(sent.size()));
    }
    ObjectNode e = MAPPER.createObjectNode();
    e.put("event_uuid", new UUID(random.nextLong(), random.nextLong()).toString());
    e.put("event_name", NAMES[random.nextInt(NAMES.length)]);
    e.put("created_at", start + n);
    ObjectNode payload = e.putObject("payload");
    payload.put("course_id", 1 + random.nextInt(500));
    payload.put("amount", Math.round(random.nextDouble() * 10000) / 100.0);
    n++;
    String line = e.toString();
    if (sent.size() < 10_000) {
      sent.add(line);
    } else {
      sent.set(random.nextInt(sent.size()), line);
    }
    return line;
  }
}
