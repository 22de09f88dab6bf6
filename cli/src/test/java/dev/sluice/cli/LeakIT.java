package dev.sluice.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/**
 * Raw personal data planted in good and bad records appears nowhere: not in output files, dead
 * letters, table rows or what the command printed, and neither does its plain SHA-256.
 */
public class LeakIT {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private static final String[] PLANTED = {
    "198.51.100.23", "593-47-5928", "198.51.100.24", "311-22-4444", "198.51.100.25",
    "198.51.100.26", "812-33-1234"
  };

  /** Planted ips and device ids leave only as keyed hashes or encrypted payloads. */
  @Test
  public void plantedPiiLeaksNowhere() throws Exception {
    Path in = tmp.newFolder("in").toPath();
    Files.writeString(in.resolve("logins.jsonl"), String.join("\n",
        "{\"user_id\": \"u1\", \"ip\": \"198.51.100.23\", \"device_id\": \"593-47-5928\","
            + " \"locale\": null}",
        "{\"ip\": \"198.51.100.24\", \"device_id\": \"311-22-4444\"}",
        "this is not json 198.51.100.25",
        "{\"user_id\": \"u2\", \"ip\": \"198.51.100.26\", \"device_id\": \"812-33-1234\"",
        "{\"user_id\": \"u3\", \"ip\": \"198.51.100.23\", \"device_id\": \"593-47-5928\"}")
        + "\n");
    Path keys = tmp.getRoot().toPath().resolve("keys.json");
    assertEquals(0, Cli.run("keys", "new", "--out=" + keys).exit);
    Path out = tmp.getRoot().toPath().resolve("out");
    try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
      Cli r = Cli.run("run", "--spec=testdata/user_logins/spec.json",
          "--input=" + in + "/*.jsonl", "--output=" + out,
          "--jdbcUrl=" + pg.getJdbcUrl("postgres", "postgres"), "--keyFile=" + keys);
      assertEquals(r.toString(), 0, r.exit);
      assertThat(r.out, containsString("read 5 = written 2 + duplicates 0 + rejected 3"));

      StringBuilder everything = new StringBuilder();
      everything.append(OutputFiles.allText(out)).append(r.out).append(r.err);
      try (Connection c = pg.getPostgresDatabase().getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT t::text FROM user_logins t")) {
        int rows = 0;
        while (rs.next()) {
          everything.append(rs.getString(1)).append('\n');
          rows++;
        }
        assertEquals(2, rows);
      }
      String all = everything.toString();
      assertThat(all, containsString("v1:"));
      for (String value : PLANTED) {
        for (String form : forms(value)) {
          assertThat("leaked " + value, all, not(containsString(form)));
        }
      }
    }
  }

  /** The value, its plain SHA-256 in hex and base64: what a careless pipeline would write. */
  private static List<String> forms(String value) throws Exception {
    byte[] d = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    List<String> f = new ArrayList<>();
    f.add(value);
    f.add(HexFormat.of().formatHex(d));
    f.add(Base64.getEncoder().withoutPadding().encodeToString(d));
    f.add(Base64.getUrlEncoder().withoutPadding().encodeToString(d));
    return f;
  }
}
