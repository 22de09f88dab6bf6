package dev.sluice.devtools.flink;


import dev.sluice.cli.flink.FlinkRunSetup;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.sluice.io.SluiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The cluster's configuration and the JVM limits derived from it, without starting anything. */
public class LocalFlinkClusterTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  /** Every TaskManager memory part is written, and the JVM limits add up from them. */
  @Test
  public void configSpellsOutMemoryAndJvmFlagsFollowIt() throws Exception {
    LocalFlinkCluster c = LocalFlinkCluster.at(tmp.getRoot().toPath());
    LocalFlinkCluster.Settings s = LocalFlinkCluster.Settings.defaults().taskManagers(2).slots(3)
        .taskHeap("1g").set("taskmanager.memory.jvm-metaspace.size", "512m");
    Files.createDirectories(c.conf());
    Files.writeString(c.configFile(), ClusterConfig.text(c.dir(), s, 18081));
    Map<String, String> conf = c.readConfig();
    assertEquals("18081", conf.get("rest.port"));
    assertEquals("6", conf.get("parallelism.default"));
    assertEquals("3", conf.get("taskmanager.numberOfTaskSlots"));
    assertEquals("hashmap", conf.get("state.backend.type"));
    assertThat(conf.get("state.checkpoints.dir"), containsString("checkpoints"));
    assertEquals(List.of("-Xms1152m", "-Xmx1152m", "-XX:MaxDirectMemorySize=256m",
        "-XX:MaxMetaspaceSize=512m"), ClusterConfig.taskManagerJvm(conf));
    assertEquals("localhost:18081", c.restAddress());
  }

  /** Flink's size texts. */
  @Test
  public void megabytesReadsFlinkSizes() {
    assertEquals(512, ClusterConfig.megabytes("512m"));
    assertEquals(2048, ClusterConfig.megabytes("2g"));
    assertEquals(256, ClusterConfig.megabytes("256mb"));
    assertEquals(1, ClusterConfig.megabytes("1048576"));
    assertThrows(SluiceException.class, () -> ClusterConfig.megabytes("lots"));
  }

  /** Bad settings fail with a line naming the option. */
  @Test
  public void badSettingsNameTheOption() {
    LocalFlinkCluster.Settings s = LocalFlinkCluster.Settings.defaults();
    assertThat(assertThrows(SluiceException.class, () -> s.taskManagers(0)).getMessage(),
        containsString("--taskmanagers"));
    assertThat(assertThrows(SluiceException.class, () -> s.taskHeap("big")).getMessage(),
        containsString("--taskHeap"));
    assertThat(assertThrows(SluiceException.class, () -> s.set("a: b", "c")).getMessage(),
        containsString("not a Flink configuration key"));
  }

  /** A stopped or never-started folder has no processes and says so. */
  @Test
  public void emptyFolderHasNoCluster() {
    LocalFlinkCluster c = LocalFlinkCluster.at(tmp.getRoot().toPath().resolve("none"));
    assertEquals(Map.of(), c.processes());
    assertEquals(List.of(), c.stop());
    assertThrows(SluiceException.class, c::addTaskManager);
  }

  /** Job names come from the spec's folder. */
  @Test
  public void jobNameFromSpec() {
    assertEquals("sluice-events", FlinkRunSetup.jobName("testdata/events/spec.json"));
    assertEquals("sluice-my_feed", FlinkRunSetup.jobName(Path.of("/x/my feed.json").toString()));
  }
}
