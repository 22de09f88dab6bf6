package dev.sluice.cli.flink;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sluice.io.SluiceException;
import dev.sluice.feed.SluiceOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.util.Optional;
import java.util.jar.JarFile;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.PipelineRunner;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.flink.api.java.ExecutionEnvironment;

/**
 * What {@code sluice run --runner=FlinkRunner} sets when the user did not:
 *
 * <ul>
 *   <li>{@code --filesToStage}: the shaded jar, and nothing else, is shipped to the cluster;
 *   <li>{@code --checkpointingInterval}: 30 s ({@link #DEFAULT_CHECKPOINT_MILLIS}); streams need
 *       checkpoints to resume where they were after a failure (batch runs ignore it);
 *   <li>{@code --shutdownSourcesAfterIdleMs}: 0 with {@code --stopWhenDrained}, so a drained
 *       stream ends (with checkpointing on, Beam otherwise keeps finished sources idling
 *       forever);
 *   <li>{@code --finishBundleBeforeCheckpointing=true}: a checkpoint holds no half-done
 *       bundle, so rows are stored before the barrier passes, and a restore replays nothing
 *       that a counter already counted;
 *   <li>{@code --sqsDelete=checkpoint} when checkpointing: an SQS message is deleted once the
 *       checkpoint holding its record completes (its row is stored by then, its file roll is
 *       in that checkpoint), so a restore to that checkpoint loses nothing from the files
 *       either; {@code --visibilityTimeout} then defaults to twice the checkpoint interval;
 *   <li>{@code --enableStableInputDrain=true}: the file rolls a drained stream closes last are
 *       written as the job finishes (file writes otherwise wait for a checkpoint);
 *   <li>{@code --s3UploadBufferSizeBytes}: 5 MiB ({@link #S3_UPLOAD_BUFFER_BYTES});
 *   <li>{@code --parallelism}: the cluster's {@code parallelism.default} (Beam would use 1);
 *   <li>{@code --jobName}: {@code sluice-<spec file's folder>}, as {@code flink status} shows it;
 *   <li>{@code --fasterCopy=true}: no deep copy of every element between chained operators
 *       (Sluice's DoFns never change their inputs).
 * </ul>
 *
 * <p>Inside a Flink cluster (the jar run through {@code /jars/<id>/run} or {@code flink run}),
 * the program only submits the job and returns: {@code --flinkMaster=[auto]} (the cluster's
 * own environment) and detached mode, as Flink expects of a submitted jar. The run's ledger is
 * then read with {@code sluice flink ledger --job=ID}.
 */
public final class FlinkRunSetup {
  /** Checkpoint every 30 s unless told otherwise. */
  public static final long DEFAULT_CHECKPOINT_MILLIS = 30_000;

  /**
   * 5 MiB, S3's smallest part. Beam buffers this much per S3 object being written, and picks
   * 64 MiB on any JVM with 512 MB of heap; a TaskManager writing a dozen partitions in each of
   * its slots at once would need gigabytes (it ran out of heap with 640 MB).
   */
  public static final int S3_UPLOAD_BUFFER_BYTES = 5 * 1024 * 1024;

  private FlinkRunSetup() {}

  /** True when the options name the Flink runner. */
  public static boolean isFlink(PipelineOptions options) {
    return options.getRunner() != null
        && FlinkRunner.class.isAssignableFrom(options.getRunner());
  }

  /**
   * True when this code runs as a program inside a Flink client or cluster (REST jar run,
   * {@code flink run}), which sets a context environment; then exiting the JVM is not ours.
   */
  public static boolean insideFlinkProgram() {
    try {
      return !ExecutionEnvironment.areExplicitEnvironmentsAllowed();
    } catch (LinkageError e) {
      return false;
    }
  }

  /** Applies the defaults above to parsed options; {@code args} tells what the user gave. */
  public static void apply(SluiceOptions options, String[] args) {
    if (!isFlink(options)) {
      return;
    }
    FlinkPipelineOptions flink = options.as(FlinkPipelineOptions.class);
    List<String> given = Arrays.stream(args).map(a -> a.replaceFirst("=.*", "")).toList();
    if (!given.contains("--jobName")) {
      flink.setJobName(jobName(options.getSpec()));
    }
    if (insideFlinkProgram()) {
      flink.setFlinkMaster("[auto]");
      flink.setAttachedMode(false);
      flink.setRunner(SubmitOnly.class);
    } else if ("[auto]".equals(flink.getFlinkMaster())) {
      // Outside a cluster [auto] is an embedded Flink; [local] is the same, but has Beam size
      // its managed (sorting) memory from the free heap, so -Xmx sizes both.
      flink.setFlinkMaster("[local]");
    } else if (isRemote(flink.getFlinkMaster())) {
      if (flink.getFilesToStage() == null) {
        Optional<Path> jar = shadedJar();
        jar.ifPresent(j -> flink.setFilesToStage(List.of(j.toString())));
      }
      if (flink.getParallelism() == null || flink.getParallelism() == -1) {
        flink.setParallelism(clusterParallelism(flink.getFlinkMaster()));
      }
    }
    if (!given.contains("--fasterCopy")) {
      // No deep copy (encode, decode) of every element between chained operators: Sluice's
      // DoFns never change their inputs (BEAM-11146).
      flink.setFasterCopy(true);
    }
    if (flink.getCheckpointingInterval() == null || flink.getCheckpointingInterval() == -1) {
      flink.setCheckpointingInterval(DEFAULT_CHECKPOINT_MILLIS);
    }
    if (!given.contains("--s3UploadBufferSizeBytes")) {
      options.setS3UploadBufferSizeBytes(S3_UPLOAD_BUFFER_BYTES);
    }
    if (!given.contains("--finishBundleBeforeCheckpointing")) {
      flink.setFinishBundleBeforeCheckpointing(true);
    }
    if (!given.contains("--sqsDelete") && flink.getCheckpointingInterval() > 0
        && flink.getFinishBundleBeforeCheckpointing()) {
      options.setSqsDelete("checkpoint");
    }
    if (!given.contains("--enableStableInputDrain")) {
      // A drained stream's last file rolls are written as the job finishes, not dropped.
      flink.setEnableStableInputDrain(true);
    }
    if ("checkpoint".equals(options.getSqsDelete()) && options.getVisibilityTimeout() == null) {
      options.setVisibilityTimeout(
          (int) Math.max(60, (2 * flink.getCheckpointingInterval() + 999) / 1000));
    }
    if ("checkpoint".equals(options.getSqsDelete()) && options.getInput() != null
        && options.getInput().startsWith("sqs://") && options.getVisibilityTimeout() != null
        && options.getVisibilityTimeout() * 1000L < 2 * flink.getCheckpointingInterval()) {
      // A message must stay invisible until the checkpoint after it completes, or it comes
      // again (read twice) and its first receipt handle no longer deletes it.
      throw new SluiceException("--visibilityTimeout=" + options.getVisibilityTimeout()
          + " is too short for deleting SQS messages at checkpoints every "
          + flink.getCheckpointingInterval() / 1000.0 + " s: give at least twice the interval,"
          + " or --sqsDelete=store");
    }
    if (Boolean.TRUE.equals(options.getStopWhenDrained())
        && (flink.getShutdownSourcesAfterIdleMs() == null
            || flink.getShutdownSourcesAfterIdleMs() == -1)) {
      flink.setShutdownSourcesAfterIdleMs(0L);
    }
  }

  private static boolean isRemote(String flinkMaster) {
    return flinkMaster != null && !flinkMaster.matches("\\[(auto|local|collection)\\]");
  }

  /**
   * The cluster's {@code parallelism.default}, as a Flink client would use it; Beam's remote
   * environment would otherwise run everything with parallelism 1.
   */
  static int clusterParallelism(String flinkMaster) {
    for (JsonNode kv : new FlinkRest(flinkMaster).get("/jobmanager/config")) {
      if ("parallelism.default".equals(kv.path("key").asText())) {
        try {
          return Math.max(1, Integer.parseInt(kv.path("value").asText()));
        } catch (NumberFormatException e) {
          return 1;
        }
      }
    }
    return 1;
  }

  /** {@code sluice-events} for {@code testdata/events/spec.json}. */
  public static String jobName(String spec) {
    if (spec == null) {
      return "sluice";
    }
    Path p = Path.of(spec).toAbsolutePath().normalize();
    String name = p.getFileName().toString().replaceFirst("\\.json$", "");
    if (name.equals("spec") && p.getParent() != null) {
      name = p.getParent().getFileName().toString();
    }
    name = name.toLowerCase().replaceAll("[^a-z0-9_-]", "_");
    return "sluice-" + name;
  }

  /** Thrown once the job is submitted, so a program run inside a cluster returns at once. */
  public static final class Submitted extends RuntimeException {
    Submitted() {
      super("submitted", null, false, false);
    }
  }

  /**
   * The Flink runner, but a program run inside a cluster ends right after submission (by
   * {@link Submitted}) instead of waiting for the job: a REST jar run returns the job id, as
   * Flink expects, and no cluster thread waits for a stream that may never end.
   */
  public static final class SubmitOnly extends PipelineRunner<PipelineResult> {
    private final FlinkRunner flink;

    private SubmitOnly(FlinkRunner flink) {
      this.flink = flink;
    }

    public static SubmitOnly fromOptions(PipelineOptions options) {
      return new SubmitOnly(FlinkRunner.fromOptions(options));
    }

    @Override
    public PipelineResult run(Pipeline pipeline) {
      flink.run(pipeline);
      throw new Submitted();
    }
  }

  /** The command line's {@code execute(args, out, err)}. */
  @FunctionalInterface
  public interface Command {
    int execute(String[] args, PrintStream out, PrintStream err);
  }

  /**
   * {@code main} for a program run inside a Flink JVM: never exits the JVM (it is the
   * JobManager's), and a failure is thrown with its one-line message, which the REST caller
   * receives.
   */
  public static void mainInsideFlink(String[] args, Command command) {
    ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(new TeeStream(System.err, errBytes), true,
        StandardCharsets.UTF_8);
    int code = command.execute(args, System.out, err);
    if (code != 0) {
      String text = errBytes.toString(StandardCharsets.UTF_8).trim();
      throw new IllegalStateException(text.isEmpty() ? "sluice failed (exit " + code + ")"
          : FlinkRest.firstLine(text));
    }
  }

  private static final class TeeStream extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    TeeStream(OutputStream a, OutputStream b) {
      this.a = a;
      this.b = b;
    }

    @Override
    public void write(int c) throws IOException {
      a.write(c);
      b.write(c);
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      a.write(buf, off, len);
      b.write(buf, off, len);
    }

    @Override
    public void flush() throws IOException {
      a.flush();
      b.flush();
    }
  }

  /** True when {@code e} or one of its causes says the job was submitted. */
  public static boolean wasSubmitted(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof Submitted) {
        return true;
      }
    }
    return false;
  }

  /**
   * The jar to ship with a job and to start a local cluster's JVMs from: the shaded job jar this
   * class came from, else the one under {@code sluice.home}. A jar that holds this class but not
   * Flink's runner is the module's thin jar (the dev tools' class path), never shipped.
   */
  public static Optional<Path> shadedJar() {
    try {
      Path self = Path.of(FlinkRunSetup.class.getProtectionDomain().getCodeSource()
          .getLocation().toURI());
      if (Files.isRegularFile(self) && self.toString().endsWith(".jar") && holdsFlink(self)) {
        return Optional.of(self);
      }
    } catch (URISyntaxException | RuntimeException e) {
      // fall through
    }
    String home = System.getProperty("sluice.home");
    if (home != null) {
      Path jar = Path.of(home, "cli", "target", "sluice.jar");
      if (Files.isRegularFile(jar)) {
        return Optional.of(jar);
      }
    }
    return Optional.empty();
  }

  private static boolean holdsFlink(Path jar) {
    try (JarFile file = new JarFile(jar.toFile())) {
      return file.getEntry("org/apache/beam/runners/flink/FlinkRunner.class") != null;
    } catch (IOException e) {
      return false;
    }
  }
}
