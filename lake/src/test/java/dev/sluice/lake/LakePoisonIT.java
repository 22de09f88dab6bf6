package dev.sluice.lake;

import static dev.sluice.lake.LakeFixtures.rows;
import static dev.sluice.lake.LakeFixtures.testdata;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The lake loader against objects that must not stop it (S3Proxy and PostgreSQL 17): a field
 * that never ends, a schema with a system column; and S3 found the way {@code run} finds it.
 */
@RunWith(JUnit4.class)
public class LakePoisonIT {
  private static final String SCHEMA_KEY = "analytics/schema/user_data/v1.json";
  private static LakeFixtures fx;

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

  private static Map<String, String> byKey(LakeLoader.Summary s) {
    Map<String, String> out = new TreeMap<>();
    for (LoadRecord r : s.records) {
      out.put(r.objectKey.substring(r.objectKey.indexOf("analytics/")), r.status + "|" + r.rowsLoaded + "|" + r.reason);
    }
    return out;
  }

  /**
   * An object whose quoted field never ends breaks the record bound and is logged rejected with
   * the reason; the object after it, and a later pass, load.
   */
  @Test
  public void poisonObjectRejectedOthersLoad() throws Exception {
    String bucket = fx.newBucket();
    String url = fx.newDatabase();
    fx.put(bucket, SCHEMA_KEY, testdata("user_data/schema-v1.json"));
    StringBuilder poison = new StringBuilder("username;identifier;first_name;last_name\n"
        + "booker12;9012;\"Rachel");
    for (int i = 0; i < 20_000; i++) {
      poison.append(" and on and on");
    }
    fx.put(bucket, "analytics/append/user_data/a-poison.csv",
        poison.toString().getBytes(StandardCharsets.UTF_8));
    fx.put(bucket, "analytics/append/user_data/b-good.csv",
        testdata("user_data/users-2024-03-01.csv"));
    LakeOptions o = fx.options("s3://" + bucket + "/", url, "postgres");
    o.setMaxRecordBytes(4096);

    Map<String, String> log = byKey(LakeLoader.run(o));

    assertThat(log.get("analytics/append/user_data/a-poison.csv"),
        containsString("rejected|0|a record after line 1 is longer than 4096 characters"));
    assertEquals("loaded|5|null", log.get("analytics/append/user_data/b-good.csv"));
    assertEquals(List.of("5"), rows(url, "SELECT count(*) FROM analytics.user_data"));

    fx.put(bucket, "analytics/append/user_data/c-later.csv",
        testdata("user_data/users-2024-03-02.csv"));
    assertEquals(Map.of("analytics/append/user_data/c-later.csv", "loaded"),
        statusOnly(byKey(LakeLoader.run(o))));
  }

  private static Map<String, String> statusOnly(Map<String, String> log) {
    Map<String, String> out = new TreeMap<>();
    log.forEach((k, v) -> out.put(k, v.substring(0, v.indexOf('|'))));
    return out;
  }

  /**
   * No --endpoint: S3 is found through the SDK's endpoint setting, as run finds it. A schema
   * naming ctid is rejected once, with every mistake; the seed API's landed_timestamp filters.
   */
  @Test
  public void endpointFromEnvironmentAndSystemColumnRefused() throws Exception {
    String bucket = fx.newBucket();
    String url = fx.newDatabase();
    fx.put(bucket, SCHEMA_KEY, testdata("user_data/schema-v1.json"));
    fx.put(bucket, "analytics/schema/bad/v1.json", ("{\"columns\": [{\"name\": \"ctid\","
        + " \"type\": \"integer\"}, {\"name\": \"id\", \"type\": \"serial\"}],"
        + " \"primary_key\": [\"id\"]}").getBytes(StandardCharsets.UTF_8));
    LakeOptions o = fx.options("s3://" + bucket + "/", url, "postgres");
    o.setEndpoint(null);
    System.setProperty("aws.endpointUrlS3", fx.endpoint.toString());
    Map<String, String> log;
    try {
      log = byKey(LakeLoader.run(o));
    } finally {
      System.clearProperty("aws.endpointUrlS3");
    }

    assertEquals("loaded|0|created table with 4 columns", log.get(SCHEMA_KEY));
    String bad = log.get("analytics/schema/bad/v1.json");
    assertThat(bad, containsString("rejected|0|"));
    assertThat(bad, containsString("'ctid' is a PostgreSQL system column"));
    assertThat(bad, containsString("column 'id': "));

    LoadLog loadLog = new LoadLog("public", LakeDialect.named("postgres"));
    try (Connection c = DriverManager.getConnection(url)) {
      assertEquals(2, loadLog.query(c,
          LoadsQuery.fromParameters(Map.of("landed_timestamp", "2000-01-01"))).size());
      assertEquals(0, loadLog.query(c, LoadsQuery.fromParameters(
          Map.of("landed_timestamp", "9999-01-01 00:00:00", "table_name", "user_data"))).size());
      assertEquals(1, loadLog.query(c, LoadsQuery.fromParameters(
          Map.of("landed_timestamp", "2000-01-01", "table_name", "bad"))).size());
    }
  }
}
