package dev.sluice.cli.generate;

import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Random;

/**
 * Access-log lines of an API server in the combined log format, as the {@code weblogs} feed
 * reads them: deterministic by seed, in time order, with a few busy clients, mostly anonymous
 * users, realistic methods, paths, statuses, sizes, referrers and agents, and a share of broken
 * lines of the kinds real servers write (a TLS handshake on the HTTP port, an empty request, a
 * line cut off at rotation, a time that is not one).
 *
 * <pre>{@code
 * WeblogGenerator g = new WeblogGenerator(7, OffsetDateTime.parse("2024-12-30T00:00-07:00"), 0.01);
 * String line = g.next();
 * }</pre>
 */
public final class WeblogGenerator {
  private static final DateTimeFormatter CLF =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);
  private static final String[] AGENTS = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko)"
        + " Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko)"
        + " Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like"
        + " Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "curl/8.5.0", "python-requests/2.32.3", "okhttp/4.12.0", "Go-http-client/1.1",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
  };
  private static final String[] REFERRERS = {
    "-", "-", "-", "https://example.com/", "https://example.com/shop?tab=new",
    "https://www.google.com/", "https://app.example.com/dashboard"
  };
  private static final String[] USERS = {
    "alice", "bob.smith", "carol", "dmitri", "svc-reporting", "svc-billing", "eve_k", "farid"
  };
  private static final int[] STATUS = {
    200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 201, 204, 301, 304, 304, 400,
    401, 403, 404, 404, 404, 429, 500, 502, 503
  };

  private final Random random;
  private final double broken;
  private final String[] clients;
  private OffsetDateTime time;
  private long n;

  public WeblogGenerator(long seed, OffsetDateTime start, double broken) {
    this.random = new Random(seed);
    this.time = start;
    this.broken = broken;
    this.clients = new String[64];
    for (int i = 0; i < clients.length; i++) {
      clients[i] = i % 16 == 15 ? ipv6() : ipv4();
    }
  }

  public String next() {
    n++;
    time = time.plusSeconds(random.nextInt(20));
    String ip = clients[(int) (clients.length * Math.pow(random.nextDouble(), 2.5))];
    String ts = "[" + CLF.format(time) + "]";
    if (random.nextDouble() < broken) {
      return brokenLine(ip, ts);
    }
    String user = random.nextDouble() < 0.75 ? "-" : USERS[random.nextInt(USERS.length)];
    String method;
    String target;
    int r = random.nextInt(100);
    if (r < 35) {
      method = "GET";
      target = "/api/v1/items/" + (1 + random.nextInt(5000));
    } else if (r < 50) {
      method = "GET";
      target = "/api/v1/items?page=" + (1 + random.nextInt(20)) + "&size=50";
    } else if (r < 60) {
      method = "GET";
      target = "/api/v1/search?q=" + new String[] {"flat+white", "latte", "mug", "beans"}
          [random.nextInt(4)] + "&page=" + (1 + random.nextInt(5));
    } else if (r < 72) {
      method = "POST";
      target = "/api/v1/orders";
    } else if (r < 80) {
      method = "GET";
      target = "/api/v1/orders/" + (10000 + random.nextInt(90000));
    } else if (r < 86) {
      method = "PUT";
      target = "/api/v1/users/" + (1 + random.nextInt(2000));
    } else if (r < 89) {
      method = "DELETE";
      target = "/api/v1/items/" + (1 + random.nextInt(5000));
    } else if (r < 91) {
      method = "PATCH";
      target = "/api/v1/users/" + (1 + random.nextInt(2000));
    } else if (r < 93) {
      method = "HEAD";
      target = "/api/v1/items";
    } else {
      method = "GET";
      target = "/health";
    }
    int status = STATUS[random.nextInt(STATUS.length)];
    if (method.equals("POST") && status == 200) {
      status = 201;
    }
    String bytes = status == 204 || status == 304 || method.equals("HEAD") ? "-"
        : Integer.toString(status >= 400 ? 60 + random.nextInt(400) : 120 + random.nextInt(48000));
    String protocol = random.nextInt(10) < 8 ? "HTTP/1.1" : "HTTP/2.0";
    return ip + " - " + user + " " + ts + " \"" + method + " " + target + " " + protocol + "\" "
        + status + " " + bytes + " \"" + REFERRERS[random.nextInt(REFERRERS.length)] + "\" \""
        + AGENTS[random.nextInt(AGENTS.length)] + "\"";
  }

  private String brokenLine(String ip, String ts) {
    switch ((int) (n % 4)) {
      case 0:
        return ip + " - - " + ts
            + " \"\\x16\\x03\\x01\\x00\\xfc\\x01\\x00\\x00\\xf8\\x03\\x03\" 400 157 \"-\" \"-\"";
      case 1:
        return ip + " - - " + ts + " \"-\" 408 0 \"-\" \"-\"";
      case 2:
        return ip + " - - " + ts + " \"GET /api/v1/items?page=3 HTT";
      default:
        return ip + " - - [" + time.getDayOfMonth() + "/Foo/" + time.getYear()
            + ":25:61:00 -0700] \"GET /health HTTP/1.1\" 200 12 \"-\" \"curl/8.5.0\"";
    }
  }

  private String ipv4() {
    int a;
    do {
      a = 1 + random.nextInt(223);
    } while (a == 10 || a == 127 || a == 100 || a == 172 || a == 192 || a == 169);
    return a + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + (1
        + random.nextInt(254));
  }

  private String ipv6() {
    return String.format(Locale.ROOT, "2001:db8:%x:%x::%x", random.nextInt(0x10000),
        random.nextInt(0x10000), 1 + random.nextInt(0xffff));
  }
}
