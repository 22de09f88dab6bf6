package dev.sluice.devtools;


import dev.sluice.cli.Cli;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** {@code bin/sluice demo}, run from devtools: its own embedded Postgres, the shipped feeds. */
public class DemoIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();

  /** The demo, as the README gives it, prints balanced ledgers for both feeds. */
  @Test
  public void demoPrintsBalancedLedgers() throws Exception {
    Path dir = TMP.newFolder("demo").toPath();
    Cli demo = Cli.run("demo", "--dir=" + dir);
    assertEquals(demo.toString(), 0, demo.exit);
    assertThat(demo.out, containsString("events: read"));
    assertThat(demo.out, containsString("user_logins: read"));
    assertThat(demo.out, not(containsString("NOT BALANCED")));
    assertTrue(Files.exists(dir.resolve("events-summary.json")));
    for (String feed : DemoCommand.FEEDS) {
      Path report = dir.resolve(feed + "-report.html").toAbsolutePath();
      assertTrue(report.toString(), Files.size(report) > 0);
      assertThat(demo.out, containsString("report: " + report));
    }
  }
}
