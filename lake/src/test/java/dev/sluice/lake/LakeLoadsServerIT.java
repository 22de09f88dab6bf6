package dev.sluice.lake;

import static dev.sluice.lake.LakeFixtures.testdata;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;

/**
 * {@code GET /loads} over real HTTP (java.net.http) against a load log the loader wrote into a
 * real PostgreSQL, with either dialect: by table, by time, newest first, and the 400s.
 */
@RunWith(Parameterized.class)
public class LakeLoadsServerIT {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static LakeFixtures fx;

  @Parameterized.Parameters(name = "{0}")
  public static List<String> dialects() {
    return List.of("postgres", "redshift");
  }

  @Parameterized.Parameter public String dialect;

  @BeforeClass
  public static void startParts() throws Exception {
    fx = LakeFixtures.start();
  }

  @AfterClass
  public static void stopParts() throws Exception {
    if (fx != null) {
      fx.close();
    }
  }

  private static HttpResponse<String> get(LoadsServer server, String pathAndQuery)
      throws Exception {
    return HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.port() + pathAndQuery)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static List<String> keys(HttpResponse<String> r, String bucket) throws Exception {
    assertEquals(r.body(), 200, r.statusCode());
    assertEquals("application/json; charset=utf-8",
        r.headers().firstValue("Content-Type").orElse(""));
    List<String> out = new ArrayList<>();
    for (JsonNode n : MAPPER.readTree(r.body())) {
      out.add(n.get("object_key").asText().substring(("s3://" + bucket + "/").length()));
    }
    return out;
  }

  /** The status line the server answers a raw request with (for URIs HttpClient refuses). */
  private static String rawStatusLine(LoadsServer server, String target) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.getOutputStream().write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n"
          + "Connection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      return new java.io.BufferedReader(new java.io.InputStreamReader(
          socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
  }

  /** Loads are answered by table and by processed time, newest first; an unknown table is []. */
  @Test
  public void byTableAndTime() throws Exception {
    String bucket = fx.newBucket();
    String url = fx.newDatabase();
    fx.put(bucket, "analytics/schema/user_data/v1.json", testdata("user_data/schema-v1.json"));
    fx.put(bucket, "analytics/append/user_data/a.csv",
        testdata("user_data/users-2024-03-01.csv"));
    assertEquals(2, LakeLoader.run(fx.options("s3://" + bucket + "/", url, dialect))
        .count(LoadRecord.LOADED));
    Instant between = Instant.now();
    fx.put(bucket, "analytics/append/user_data/b.csv",
        testdata("user_data/users-2024-03-02.csv"));
    fx.put(bucket, "shop/schema/orders/v1.json", testdata("orders/schema.json"));
    fx.put(bucket, "shop/append/orders/2024-03-01.csv", testdata("orders/orders-2024-03-01.csv"));
    assertEquals(3, LakeLoader.run(fx.options("s3://" + bucket + "/", url, dialect))
        .count(LoadRecord.LOADED));

    try (LoadsServer server = LoadsServer.start(LakeDatabase.of(url, null), "public",
        "127.0.0.1", 0)) {
      assertEquals(List.of("analytics/append/user_data/b.csv", "analytics/append/user_data/a.csv",
          "analytics/schema/user_data/v1.json"), keys(get(server, "/loads?table=user_data"),
          bucket));
      String since = URLEncoder.encode(between.toString(), StandardCharsets.UTF_8);
      assertEquals(List.of("analytics/append/user_data/b.csv"),
          keys(get(server, "/loads?table=user_data&since=" + since), bucket));
      assertEquals(List.of("shop/append/orders/2024-03-01.csv", "shop/schema/orders/v1.json"),
          keys(get(server, "/loads?table=orders&since=" + since), bucket));
      assertEquals(List.of(), keys(get(server, "/loads?table=orders&since=2999-01-01"), bucket));
      assertEquals(List.of(), keys(get(server, "/loads?table=no_such_table"), bucket));
      assertEquals(5, keys(get(server, "/loads"), bucket).size());
      assertEquals(2, keys(get(server, "/loads?limit=2"), bucket).size());

      JsonNode row = MAPPER.readTree(get(server, "/loads?table=orders&limit=1").body()).get(0);
      assertEquals("loaded", row.get("status").asText());
      assertEquals("shop", row.get("db").asText());
      assertEquals("append", row.get("action").asText());
      assertEquals(3, row.get("rows_read").asInt());
      assertEquals(3, row.get("rows_loaded").asInt());
      assertEquals(0, row.get("rows_rejected").asInt());
      assertEquals(3, row.get("rows_changed").asInt());
      assertTrue(row.get("reason").isNull());
      assertTrue(Instant.parse(row.get("processed_at").asText()).isAfter(between));
      Instant.parse(row.get("landed_at").asText());
    }
    assertEquals(List.of(
            "100001|1|SKU-RED-1|2|19.99|f|2024-03-01|2024-03-01 08:30:00+00|NULL",
            "100001|2|SKU-BLUE-7|1|5.50|t|2024-03-01|2024-03-01 08:30:00+00|wrap it, please",
            "100002|1|SKU-RED-1|10|199.90|f|2024-03-01|2024-03-01 17:05:12+00|said \"thanks\""),
        LakeFixtures.rows(url, "SELECT * FROM shop.orders ORDER BY order_id, line"));
  }

  /** A bad parameter gets a 400 with a JSON message; other paths and methods are refused. */
  @Test
  public void badRequests() throws Exception {
    String url = fx.newDatabase();
    try (LoadsServer server = LoadsServer.start(LakeDatabase.of(url, null), "public",
        "127.0.0.1", 0)) {
      String[][] cases = {
        {"/loads?since=yesterday", "since 'yesterday' is not an ISO-8601 time"},
        {"/loads?table=Robert%27%29%3B", "table 'Robert');' is not a table name"},
        {"/loads?limit=0", "limit '0' is not a whole number"},
        {"/loads?tabel=user_data", "unknown parameter 'tabel'"},
        {"/loads?table=a&table=b", "parameter 'table' is given more than once"},
      };
      for (String[] c : cases) {
        HttpResponse<String> r = get(server, c[0]);
        assertEquals(c[0], 400, r.statusCode());
        assertThat(c[0], MAPPER.readTree(r.body()).get("error").asText(),
            containsString(c[1]));
      }
      assertEquals(404, get(server, "/other").statusCode());
      assertEquals("HTTP/1.1 400 Bad Request", rawStatusLine(server, "/loads?table=%zz"));
      HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + server.port() + "/loads"))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(405, post.statusCode());
      assertEquals("[]", get(server, "/loads?table=user_data").body());
    }
  }

  /** A database that does not answer gives a 503 naming it, without its password. */
  @Test
  public void databaseDown() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + port + "/lake?user=u&password=s3cret-pw";
    try (LoadsServer server = LoadsServer.start(LakeDatabase.of(url, null), "public",
        "127.0.0.1", 0)) {
      HttpResponse<String> r = get(server, "/loads?table=user_data");
      assertEquals(503, r.statusCode());
      String error = MAPPER.readTree(r.body()).get("error").asText();
      assertThat(error, containsString("cannot reach the database at jdbc:postgresql://127.0.0.1:"
          + port));
      assertThat(r.body(), not(containsString("s3cret-pw")));
    }
  }
}
