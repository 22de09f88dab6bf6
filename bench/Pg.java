import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;

/**
 * An embedded Postgres for the cafe benchmark, until killed: {@code java -cp sluice.jar
 * bench/Pg.java PORT DATA_DIR}. Prints {@code up <jdbc url>} once it accepts connections.
 */
public final class Pg {
  public static void main(String[] args) throws Exception {
    EmbeddedPostgres pg = EmbeddedPostgres.builder().setPort(Integer.parseInt(args[0]))
        .setDataDirectory(Path.of(args[1])).setCleanDataDirectory(true).start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        pg.close();
      } catch (Exception e) {
        // The JVM is ending; the data folder is cleaned on the next start.
      }
    }));
    System.out.println("up " + pg.getJdbcUrl("postgres", "postgres"));
    Thread.sleep(Long.MAX_VALUE);
  }
}
