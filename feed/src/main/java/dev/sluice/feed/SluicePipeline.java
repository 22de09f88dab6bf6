package dev.sluice.feed;

import dev.sluice.io.SluiceException;
import dev.sluice.io.aws.PathStyleS3ClientBuilderFactory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.sluice.io.jdbc.Database;
import dev.sluice.io.jdbc.Tables;
import dev.sluice.io.jdbc.WriteNormalisedTables;
import dev.sluice.io.jdbc.WriteRows;
import dev.sluice.feed.report.RunWatch;
import dev.sluice.core.normalise.Normaliser;
import dev.sluice.core.normalise.Normalisers;
import dev.sluice.io.files.ClearDebris;
import dev.sluice.io.files.FileBodies;
import dev.sluice.io.files.FileFormat;
import dev.sluice.io.files.RollFiles;
import dev.sluice.io.files.ParquetRows;
import dev.sluice.io.files.WriteDeadLetters;
import dev.sluice.io.files.WritePartitionedFiles;
import dev.sluice.io.files.ReadFiles;
import dev.sluice.core.AssignPartitions;
import dev.sluice.core.DeadLetters;
import dev.sluice.core.DropDuplicates;
import dev.sluice.core.Ledger;
import dev.sluice.core.ParseRecords;
import dev.sluice.core.ProtectPii;
import dev.sluice.core.RecordSplitter;
import dev.sluice.core.RowEncoder;
import dev.sluice.core.model.DeadLetter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import dev.sluice.io.jdbc.StoreAndAck;
import dev.sluice.io.aws.Aws;
import dev.sluice.io.streams.EventTimeWatermark;
import dev.sluice.io.streams.ReadInBatches;
import dev.sluice.io.streams.ReadKinesis;
import dev.sluice.io.streams.SqsAcker;
import dev.sluice.io.streams.SqsSource;
import dev.sluice.core.spec.Durations;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.options.StreamingOptions;
import org.joda.time.Duration;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Sluice graph. {@link #run} wires a job from options; {@link #buildPipeline} is the graph
 * itself, with source and sinks passed in so whole-job tests can swap them.
 */
public final class SluicePipeline {
  private static final Logger LOG = LoggerFactory.getLogger(SluicePipeline.class);

  private SluicePipeline() {}

  /** The graph's collections, for sinks and for tests. */
  public static final class Outputs {
    public final PCollection<KV<String, Row>> partitioned;
    public final PCollection<DeadLetter> deadLetters;
    /** Null when the sinks said {@code withoutDuplicateKeys()} and the input is bounded. */
    public final PCollection<String> duplicateKeys;

    Outputs(PCollection<KV<String, Row>> partitioned, PCollection<DeadLetter> deadLetters,
        PCollection<String> duplicateKeys) {
      this.partitioned = partitioned;
      this.deadLetters = deadLetters;
      this.duplicateKeys = duplicateKeys;
    }
  }

  /**
   * Builds the graph:
   *
   * <ol>
   *   <li>read raw records from the source;
   *   <li>parse, cleanse and validate them into typed rows (failures become dead letters);
   *   <li>protect personal fields, before any shuffle or state sees them;
   *   <li>drop duplicates by the feed's key;
   *   <li>assign each row its partition path and count it written;
   *   <li>write partitioned files, upsert table rows, write dead letters.
   * </ol>
   */
  public static Outputs buildPipeline(
      Pipeline p,
      FeedSpec spec,
      Protector protector,
      PTransform<PBegin, PCollection<RawRecord>> source,
      Sinks sinks) {
    PCollection<RawRecord> raw = p.apply("Read", source);

    PCollectionTuple parsed =
        raw.apply("ParseRecords", ParseRecords.of(spec).withProtector(protector));

    PCollection<Row> protectedRows =
        parsed.get(ParseRecords.ROWS)
            .apply("ProtectPii", ProtectPii.of(spec).withProtector(protector));

    int buckets =
        positive(p.getOptions().as(SluiceOptions.class).getDedupBuckets(), "--dedupBuckets");
    DropDuplicates dedup = DropDuplicates.forFeed(spec).withBatchBuckets(buckets);
    // Duplicates are stored only with an acker (SQS); their keys only for Outputs.
    boolean duplicatesWanted =
        sinks.duplicateKeys || (sinks.database != null && sinks.acker != null);
    if (!duplicatesWanted) {
      dedup = dedup.withoutBatchDuplicates();
    }
    PCollectionTuple deduped = protectedRows.apply("DropDuplicates", dedup);

    PCollection<Row> unique =
        deduped.get(DropDuplicates.UNIQUE)
            .apply("CountWritten", ParDo.of(new CountWrittenFn(
                sinks.maxOutOfOrder == null ? -1 : sinks.maxOutOfOrder.getMillis())))
            .setRowSchema(spec.outputSchema());

    // Hook: a feed's normaliser (spec "normalise", e.g. cafe_orders) makes each unique row
    // into rows of its own tables; they replace the feed's table below. Its files stay as they
    // are. It rejects nothing: its rules ran as the feed's row check when records parsed.
    Normaliser normaliser = Normalisers.forSpec(spec);
    PCollectionTuple normalised = null;
    if (normaliser != null) {
      if (sinks.acker != null || sinks.flushInterval != null) {
        throw new SluiceException("feed " + spec.name + " is normalised (" + spec.normalise
            + ") and reads files only");
      }
      normaliser = normaliser.withBuckets(buckets);
      normalised = unique.apply("Normalise", normaliser);
    }

    PCollection<KV<String, Row>> partitioned =
        unique.apply("AssignPartitions", AssignPartitions.forFeed(spec));

    PCollection<DeadLetter> deadLetters = parsed.get(DeadLetters.TAG);
    deadLetters.apply("CountRejectReasons", ParDo.of(new CountReasonsFn()));

    String filePrefix = sinks.filePrefix == null ? spec.name : sinks.filePrefix;
    // Streams roll files; SQS deleting at store stores (then deletes) a record only once its
    // file is closed, so the rows and dead letters to store come out of the file step.
    PCollection<Row> rowsToStore = unique;
    PCollection<DeadLetter> deadLettersToStore = deadLetters;
    if (sinks.output != null && sinks.flushInterval != null) {
      boolean storeAfterFiles = sinks.acker != null && !sinks.acker.deletesAtCheckpoints();
      RollFiles<Row> rowFiles =
          RollFiles.to(sinks.output, FileBodies.rows(sinks.format, new RowEncoder(spec),
                  new ParquetRows(spec), sinks.compression))
              .withPrefix(filePrefix)
              .withNumShards(sinks.numShards)
              .withFileSize(sinks.fileSize)
              .withFlushInterval(sinks.flushInterval);
      RollFiles<DeadLetter> deadLetterFiles =
          RollFiles.to(WriteDeadLetters.folder(sinks.output), FileBodies.deadLetters())
              .withPrefix(filePrefix)
              .withFileSize(sinks.fileSize)
              .withFlushInterval(sinks.flushInterval);
      if (storeAfterFiles) {
        if (sinks.closeWhenIdle != null) {
          rowFiles = rowFiles.closingWhenIdleFor(sinks.closeWhenIdle);
          deadLetterFiles = deadLetterFiles.closingWhenIdleFor(sinks.closeWhenIdle);
        }
        rowFiles = rowFiles.emittingWritten();
        deadLetterFiles = deadLetterFiles.emittingWritten();
      }
      PCollection<Row> writtenRows = partitioned.apply("RollPartitionedFiles", rowFiles);
      PCollection<DeadLetter> writtenDeadLetters =
          deadLetters
              .apply("KeyByStage", WithKeys.of(DeadLetter::stage).withKeyType(
                  TypeDescriptors.strings()))
              .setCoder(KvCoder.of(StringUtf8Coder.of(), deadLetters.getCoder()))
              .apply("RollDeadLetterFiles", deadLetterFiles);
      if (storeAfterFiles) {
        rowsToStore = writtenRows;
        deadLettersToStore = writtenDeadLetters;
      }
    } else if (sinks.output != null) {
      partitioned.apply(
          "WritePartitionedFiles",
          WritePartitionedFiles.to(sinks.output)
              .withEncoder(new RowEncoder(spec))
              .withParquet(new ParquetRows(spec))
              .withPrefix(filePrefix)
              .withFormat(sinks.format)
              .withCompression(sinks.compression)
              .withNumShards(sinks.numShards));
      deadLetters.apply(
          "WriteDeadLetters", WriteDeadLetters.under(sinks.output).withPrefix(filePrefix));
    }
    if (sinks.database != null && sinks.acker != null) {
      rowsToStore.apply("StoreRowsThenAck",
          StoreAndAck.rows(spec, sinks.database, sinks.dialect, sinks.acker, sinks.batchSize,
              false));
      deduped.get(DropDuplicates.DUPLICATES).apply("StoreDuplicatesThenAck",
          StoreAndAck.rows(spec, sinks.database, sinks.dialect, sinks.acker, sinks.batchSize,
              true));
      deadLettersToStore.apply("StoreDeadLettersThenAck",
          StoreAndAck.deadLetters(sinks.database, sinks.acker, sinks.batchSize));
    } else if (sinks.database != null && normalised != null) {
      normalised.apply(
          "WriteNormalisedTables",
          WriteNormalisedTables.of(normaliser)
              .to(sinks.database)
              .withDialect(sinks.dialect)
              .withBatchSize(sinks.batchSize));
    } else if (sinks.database != null) {
      unique.apply(
          "WriteRows",
          WriteRows.of(spec)
              .to(sinks.database)
              .withDialect(sinks.dialect)
              .withBatchSize(sinks.batchSize));
    }
    return new Outputs(partitioned, deadLetters, deduped.has(DropDuplicates.DUPLICATE_KEYS)
        ? deduped.get(DropDuplicates.DUPLICATE_KEYS) : null);
  }

  /** Counts dead letters by kind of reason, for a failed run's one line of top reasons. */
  static final class CountReasonsFn extends DoFn<DeadLetter, Void> {
    @ProcessElement
    public void process(@Element DeadLetter d) {
      Ledger.reason(d.stage(), d.reason()).inc();
    }
  }

  /**
   * Counts rows written. In a stream it also counts as {@code late} the rows whose event time is
   * more than the out-of-order allowance behind the newest this worker has seen: a hint for
   * operators, nothing more (a late row is written like any other).
   */
  static final class CountWrittenFn extends DoFn<Row, Row> {
    private final long maxOutOfOrderMillis;
    private transient long newest;

    CountWrittenFn(long maxOutOfOrderMillis) {
      this.maxOutOfOrderMillis = maxOutOfOrderMillis;
    }

    @Setup
    public void setup() {
      newest = Long.MIN_VALUE;
    }

    @ProcessElement
    public void process(@Element Row row, @Timestamp Instant eventTime, OutputReceiver<Row> out) {
      Ledger.written().inc();
      if (maxOutOfOrderMillis >= 0) {
        long t = eventTime.getMillis();
        if (t > newest) {
          newest = t;
        } else if (newest - t > maxOutOfOrderMillis) {
          Ledger.late().inc();
        }
      }
      out.output(row);
    }
  }

  /** Runs one feed from options to its ledger; fails with a one-line message on bad input. */
  public static RunLedger run(SluiceOptions options) {
    FeedSpec spec =
        Feeds.withPartitioning(Feeds.load(options.getSpec()), options.getPartitioning());
    Protector protector = new Protector(Keys.load(options.getKeyFile()));
    Input input = Input.parse(options.getInput());
    String output = localToAbsolute(options.getOutput());
    FileFormat.suffix(options.getFormat());
    TooManyRejected.limit(options.getMaxRejected(), 0);
    Sinks sinks =
        Sinks.files(output)
            .withoutDuplicateKeys()
            .withFormat(options.getFormat())
            .withCompression(FileFormat.compression(options.getCompression()))
            .withNumShards(positive(options.getNumShards(), "--numShards"))
            .withBatchSize(positive(options.getJdbcBatchSize(), "--jdbcBatchSize"));

    if (options.getEndpoint() == null) {
      Aws s3 = Aws.forS3IfConfigured();
      if (s3 != null) {
        options.setEndpoint(s3.endpoint());
        options.setAwsRegion(s3.region());
      }
    }
    if (options.getEndpoint() != null
        && options.getS3ClientFactoryClass() == DefaultS3ClientBuilderFactory.class) {
      options.setS3ClientFactoryClass(PathStyleS3ClientBuilderFactory.class);
    }
    FileSystems.setDefaultPipelineOptions(options);
    String jdbcUrl = options.getJdbcUrl();
    if ((jdbcUrl == null || jdbcUrl.isEmpty()) && System.getenv("SLUICE_JDBC_URL") != null) {
      jdbcUrl = System.getenv("SLUICE_JDBC_URL");
    }
    if (input.kind == Input.Kind.SQS && (jdbcUrl == null || jdbcUrl.isEmpty())) {
      throw new SluiceException("--input=" + options.getInput() + ": an SQS run needs --jdbcUrl;"
          + " a message is deleted only after its row (or dead letter) is stored there");
    }
    PTransform<PBegin, PCollection<RawRecord>> source;
    Duration quiet = duration(options.getQuietPeriod(), "--quietPeriod");
    Duration outOfOrder = duration(options.getMaxOutOfOrder(), "--maxOutOfOrder");
    boolean stop = Boolean.TRUE.equals(options.getStopWhenDrained());
    SqsAcker acker = null;
    switch (input.kind) {
      case KINESIS:
        source = ReadKinesis.stream(input.name)
            .withAws(Aws.forService("kinesis"))
            .withInitialPosition(options.getInitialPosition())
            .withWatermark(new EventTimeWatermark(spec, outOfOrder, quiet, stop));
        break;
      case SQS:
        spec = spec.withAckColumn();
        Aws sqs = Aws.forService("sqs");
        String queueUrl = input.queueUrl(sqs);
        int visibility = visibilityTimeout(options.getVisibilityTimeout(),
            deleteAtCheckpoints(options),
            duration(options.getFlushInterval(), "--flushInterval"));
        SqsSource sqsSource = new SqsSource(sqs, queueUrl, visibility,
            new EventTimeWatermark(spec, outOfOrder, quiet, stop));
        if (deleteAtCheckpoints(options)) {
          sqsSource = sqsSource.deletingAtCheckpoints();
          acker = SqsAcker.deferredToCheckpoints(sqs, queueUrl);
        } else {
          acker = new SqsAcker(sqs, queueUrl);
        }
        source = ReadInBatches.of(sqsSource, 500);
        break;
      case FILES:
      default:
        checkInputMatches(input.name);
        source = ReadFiles.matching(input.name).withSplitter(RecordSplitter.forFeed(spec));
        break;
    }
    boolean streaming = input.kind != Input.Kind.FILES;
    if (streaming) {
      options.as(StreamingOptions.class).setStreaming(true);
      Progress.dontBlockOnRun(options);
      Duration flush = duration(options.getFlushInterval(), "--flushInterval");
      sinks = sinks.withRolling(FileSize.parse(options.getFileSize(), "--fileSize"), flush)
          .withMaxOutOfOrder(outOfOrder);
      if (acker != null && !acker.deletesAtCheckpoints() && stop) {
        sinks = sinks.withCloseWhenIdle(quiet);
      }
    }
    if (jdbcUrl != null && !jdbcUrl.isEmpty()) {
      Database db = Database.of(jdbcUrl);
      Tables.ensure(db, sinks.dialect, spec);
      spec = spec.withColumnLimits(Tables.textLimits(db, spec));
      sinks = sinks.withDatabase(db);
      if (acker != null) {
        StoreAndAck.ensureDeadLetterTable(db);
        sinks = sinks.withAcker(acker);
      }
    }

    if (!streaming && output != null) {
      // What failed or killed runs of this output left (temp files, unfinished S3 uploads).
      ClearDebris.under(output, options);
    }
    Pipeline p = Pipeline.create(options);
    buildPipeline(p, spec, protector, source, sinks);
    LOG.info("running feed {} from {} to {}{}", spec.name, input.describe(), output,
        sinks.database == null ? "" : " and " + sinks.database.displayUrl());
    PipelineResult result;
    RunWatch watch = RunWatch.of(options, "run", spec.name, input.describe(), output, spec.name);
    try {
      result = p.run();
      watch.running(result);
      if (streaming) {
        Progress.follow(spec.name, result, Duration.standardSeconds(5));
      } else {
        result.waitUntilFinish();
      }
    } catch (RuntimeException e) {
      watch.close();
      throw new SluiceException("the run of feed " + spec.name + " failed: " + SluiceException.rootCause(e), e);
    }
    RunLedger ledger = RunLedger.from(spec.name, result);
    if (options.getSummary() != null && !options.getSummary().isEmpty()) {
      writeSummary(ledger, options, output);
    }
    try (watch) {
      watch.finished(ledger, null);
    }
    if (!ledger.balanced()) {
      throw new SluiceException("ledger does not balance: " + ledger.line());
    }
    TooManyRejected tooMany = TooManyRejected.check(ledger, options.getMaxRejected());
    if (tooMany != null) {
      throw tooMany;
    }
    return ledger;
  }

  /**
   * {@code --sqsDelete}: "store" or "checkpoint"; the latter only on Flink, whose completed
   * checkpoints follow every step's finished bundle (the DirectRunner finalizes a checkpoint
   * before the rows are stored, which would delete messages whose rows are not stored yet).
   */
  static boolean deleteAtCheckpoints(SluiceOptions options) {
    String mode = options.getSqsDelete();
    if (mode == null || mode.equals("store")) {
      return false;
    }
    if (!mode.equals("checkpoint")) {
      throw new SluiceException("--sqsDelete=" + mode + ": expected store or checkpoint");
    }
    // By name: this module does not depend on Flink (FlinkRunner, or the submit-only runner a
    // jar run inside a Flink cluster uses).
    String runner = options.getRunner() == null ? "" : options.getRunner().getName();
    if (!runner.contains("Flink")) {
      throw new SluiceException("--sqsDelete=checkpoint needs --runner=FlinkRunner (the "
          + runner.substring(runner.lastIndexOf('.') + 1)
          + " would delete messages before their rows are stored)");
    }
    return true;
  }

  /** The longest visibility timeout SQS takes: 12 hours. */
  static final int MAX_VISIBILITY_SECONDS = 43_200;

  /**
   * The SQS visibility timeout. Deleting at store, a record waits in its open file for up to the
   * flush interval before its row is stored and its message deleted; the message must stay
   * invisible that long and as long again, or it comes again meanwhile and its first receipt
   * handle no longer deletes it. Deleting at checkpoints, the Flink setup checks it against the
   * checkpoint interval.
   */
  static int visibilityTimeout(Integer given, boolean atCheckpoints, Duration flush) {
    if (atCheckpoints) {
      return given == null ? 60 : given;
    }
    long needed = flush.getStandardSeconds() + Math.max(10, flush.getStandardSeconds());
    if (needed > MAX_VISIBILITY_SECONDS) {
      throw new SluiceException("--flushInterval=" + flush.getStandardSeconds() + "s is too long"
          + " for SQS: a message is deleted only after its file closes, and SQS keeps a message"
          + " invisible for at most 12 h; give at most 6h");
    }
    if (given == null) {
      return (int) needed;
    }
    if (given < needed) {
      throw new SluiceException("--visibilityTimeout=" + given + " is too short for"
          + " --flushInterval=" + flush.getStandardSeconds() + "s: a message is deleted only"
          + " after its file closes; give at least " + needed + " (twice the flush interval, at least it plus 10 s)"
          + " or a shorter --flushInterval");
    }
    return given;
  }

  private static Duration duration(String text, String option) {
    try {
      return Durations.parse(text, option);
    } catch (IllegalArgumentException e) {
      throw new SluiceException(e.getMessage());
    }
  }

  private static int positive(Integer v, String name) {
    if (v == null || v < 1) {
      throw new SluiceException(name + " must be a whole number of at least 1");
    }
    return v;
  }

  static String localToAbsolute(String location) {
    if (location == null || location.contains("://")) {
      return location;
    }
    return Path.of(location).toAbsolutePath().normalize().toString();
  }

  private static void checkInputMatches(String input) {
    List<MatchResult> results;
    try {
      results = FileSystems.match(List.of(input), EmptyMatchTreatment.ALLOW);
    } catch (IOException | RuntimeException e) {
      throw new SluiceException("--input=" + input + ": cannot be listed (" + SluiceException.rootCause(e) + ")");
    }
    for (MatchResult r : results) {
      if (r.status() == MatchResult.Status.NOT_FOUND) {
        throw new SluiceException("--input=" + input + ": no files match");
      }
      List<MatchResult.Metadata> files;
      try {
        // A listing that failed (status ERROR: refused credentials, no such bucket, ...)
        // throws its cause here; it must not read as an empty match.
        files = r.metadata();
      } catch (IOException e) {
        throw new SluiceException("--input=" + input + ": cannot be listed (" + SluiceException.rootCause(e)
            + ")");
      }
      if (files.isEmpty()) {
        throw new SluiceException("--input=" + input + ": no files match");
      }
    }
  }

  private static void writeSummary(RunLedger ledger, SluiceOptions options, String output) {
    ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    var json = ledger.toJson(mapper);
    json.put("output", output);
    json.put("dead_letters", output + "/" + WriteDeadLetters.FOLDER);
    try {
      Path path = Path.of(options.getSummary());
      if (path.toAbsolutePath().getParent() != null) {
        Files.createDirectories(path.toAbsolutePath().getParent());
      }
      Files.writeString(path, mapper.writeValueAsString(json) + "\n");
    } catch (IOException e) {
      throw new SluiceException("--summary=" + options.getSummary() + ": cannot be written ("
          + e.getMessage() + ")");
    }
  }


}
