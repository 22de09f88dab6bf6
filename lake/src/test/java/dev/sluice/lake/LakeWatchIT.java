package dev.sluice.lake;

import static dev.sluice.lake.LakeFixtures.testdata;
import static org.junit.Assert.assertEquals;

import dev.sluice.lake.LakeFixtures.ExpectedUsers;
import java.sql.SQLException;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.Parameterized;

/** {@code --watch}: the loader keeps listing and loads objects that land while it runs. */
@RunWith(Parameterized.class)
public class LakeWatchIT {
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

  /** Polls a condition until it holds or the deadline passes (never a fixed wait). */
  private static void awaitTrue(String what, BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(90).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  private static int logRows(String url) {
    try {
      return LakeFixtures.log(url).size();
    } catch (SQLException e) {
      return -1; // the log is not there yet
    }
  }

  /** Objects put after the start are loaded in order, each once, until the watch is stopped. */
  @Test
  public void loadsWhatLandsLater() throws Exception {
    String bucket = fx.newBucket();
    String url = fx.newDatabase();
    fx.put(bucket, "analytics/schema/user_data/v1.json", testdata("user_data/schema-v1.json"));
    LakeOptions o = fx.options("s3://" + bucket + "/", url, dialect);
    o.setWatch("500ms");
    CountDownLatch stop = new CountDownLatch(1);
    AtomicInteger passes = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread watcher = new Thread(() -> {
      try {
        LakeLoader.watch(o, summary -> passes.incrementAndGet(), stop);
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "lake-watch");
    watcher.start();
    try {
      awaitTrue("the schema to load", () -> logRows(url) == 1);
      fx.put(bucket, "analytics/append/user_data/2024-03-01.csv",
          testdata("user_data/users-2024-03-01.csv"));
      awaitTrue("the first append to load", () -> logRows(url) == 2);
      fx.put(bucket, "analytics/truncate/user_data/2024-03-02.csv",
          testdata("user_data/users-truncate.csv"));
      awaitTrue("the truncate to load", () -> logRows(url) == 3);
      int before = passes.get();
      awaitTrue("two more passes", () -> passes.get() >= before + 2);
    } finally {
      stop.countDown();
      watcher.join(60_000);
    }
    assertEquals(null, failure.get());
    assertEquals(false, watcher.isAlive());
    assertEquals(List.of("loaded|schema|user_data|0|0|0|0", "loaded|append|user_data|5|5|0|5",
        "loaded|truncate|user_data|3|3|0|3"), LakeFixtures.log(url));
    ExpectedUsers expected = new ExpectedUsers();
    expected.truncate(testdata("user_data/users-truncate.csv"));
    assertEquals(expected.lines(), LakeFixtures.rows(url, expected.select()));
  }
}
