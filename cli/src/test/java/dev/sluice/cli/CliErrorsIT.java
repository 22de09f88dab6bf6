package dev.sluice.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Bad arguments, specs, keys and servers: one line on stderr, non-zero exit, nothing written. */
public class CliErrorsIT {
  @ClassRule public static final TemporaryFolder TMP = new TemporaryFolder();
  private static Path keyFile;

  @BeforeClass
  public static void makeKeys() throws Exception {
    keyFile = TMP.getRoot().toPath().resolve("keys.json");
    Cli keys = Cli.run("keys", "new", "--out=" + keyFile);
    assertEquals(keys.toString(), 0, keys.exit);
  }

  private static void assertOneLineFailure(Cli r, String... fragments) {
    assertNotEquals(r.toString(), 0, r.exit);
    String err = r.err.strip();
    assertEquals(r.toString(), 1, err.lines().count());
    assertThat(err, not(containsString("\tat ")));
    for (String f : fragments) {
      assertThat(err, containsString(f));
    }
  }

  private String[] runArgs(Path out, String... extra) {
    String[] base = {"run", "--spec=testdata/events/spec.json",
        "--input=testdata/events/*.jsonl", "--output=" + out, "--keyFile=" + keyFile};
    String[] all = new String[base.length + extra.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(extra, 0, all, base.length, extra.length);
    return all;
  }

  /** An option Beam and Sluice do not know is named. */
  @Test
  public void unknownOption() throws Exception {
    Path out = TMP.getRoot().toPath().resolve("o1");
    assertOneLineFailure(Cli.run(runArgs(out, "--bogus=1")), "--bogus");
    assertFalse(Files.exists(out));
  }

  /** A missing required option is named. */
  @Test
  public void missingSpec() throws Exception {
    assertOneLineFailure(Cli.run("run", "--input=x", "--output=y"), "--spec");
  }

  /** A spec with a wrong type names the file, the field and the problem. */
  @Test
  public void badSpecNamesFieldAndProblem() throws Exception {
    Path spec = TMP.newFile("bad-spec.json").toPath();
    Files.writeString(spec, "{\"name\": \"x\", \"format\": \"json\", \"fields\": ["
        + "{\"name\": \"amount\", \"type\": \"monies\"}]}");
    Path out = TMP.getRoot().toPath().resolve("o2");
    Cli r = Cli.run("run", "--spec=" + spec, "--input=testdata/events/*.jsonl",
        "--output=" + out, "--keyFile=" + keyFile);
    assertOneLineFailure(r, "bad-spec.json", "amount", "unknown type 'monies'");
    assertFalse(Files.exists(out));
  }

  /** A spec that is not JSON says where. */
  @Test
  public void specNotJson() throws Exception {
    Path spec = TMP.newFile("broken.json").toPath();
    Files.writeString(spec, "{\"name\": \"x\",\n \"format\": }");
    Cli r = Cli.run("run", "--spec=" + spec, "--input=testdata/events/*.jsonl",
        "--output=" + TMP.getRoot().toPath().resolve("o3"), "--keyFile=" + keyFile);
    assertOneLineFailure(r, "broken.json", "line 2");
  }

  /** An unreachable database fails before anything is written, and hides the password. */
  @Test
  public void unreachableDatabase() throws Exception {
    Path out = TMP.getRoot().toPath().resolve("o4");
    Cli r = Cli.run(runArgs(out,
        "--jdbcUrl=jdbc:postgresql://127.0.0.1:1/db?user=u&password=hunter2"));
    assertOneLineFailure(r, "cannot reach the database", "127.0.0.1:1");
    assertThat(r.err + r.out, not(containsString("hunter2")));
    assertFalse(Files.exists(out));
  }

  /** A key file that is not there is named; keys never come from the command line. */
  @Test
  public void missingKeyFile() throws Exception {
    Cli r = Cli.run("run", "--spec=testdata/events/spec.json",
        "--input=testdata/events/*.jsonl", "--output=" + TMP.getRoot().toPath().resolve("o5"),
        "--keyFile=" + TMP.getRoot().toPath().resolve("nope.json"));
    assertOneLineFailure(r, "nope.json", "no such file");
  }

  /** No keys at all says how to make them. */
  @Test
  public void noKeys() throws Exception {
    Cli r = Cli.run("run", "--spec=testdata/events/spec.json",
        "--input=testdata/events/*.jsonl", "--output=" + TMP.getRoot().toPath().resolve("o6"));
    assertOneLineFailure(r, "sluice keys new");
  }

  /** An input glob that matches nothing is an error, not an empty success. */
  @Test
  public void inputMatchesNothing() throws Exception {
    Cli r = Cli.run("run", "--spec=testdata/events/spec.json",
        "--input=testdata/events/*.nothing", "--output=" + TMP.getRoot().toPath().resolve("o7"),
        "--keyFile=" + keyFile);
    assertOneLineFailure(r, "no files match");
  }

  /** An unknown command is named. */
  @Test
  public void unknownCommand() throws Exception {
    assertOneLineFailure(Cli.run("frobnicate"), "unknown command 'frobnicate'");
  }

  /** A key file is never overwritten. */
  @Test
  public void keyFileNotOverwritten() throws Exception {
    String before = Files.readString(keyFile);
    assertOneLineFailure(Cli.run("keys", "new", "--out=" + keyFile), "already exists");
    assertEquals(before, Files.readString(keyFile));
  }

  /** run --help lists every option with its description. */
  @Test
  public void runHelpListsOptions() throws Exception {
    Cli r = Cli.run("run", "--help");
    assertEquals(r.toString(), 0, r.exit);
    for (String o : new String[] {"--spec", "--input", "--output", "--jdbcUrl", "--keyFile",
        "--summary", "--format", "--compression", "--numShards", "--jdbcBatchSize"}) {
      assertThat(r.out, containsString(o));
    }
  }
}
