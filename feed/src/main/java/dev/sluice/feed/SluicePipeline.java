package dev.sluice.feed;

import static dev.sluice.feed.OptionValues.duration;
import static dev.sluice.feed.OptionValues.positive;

import dev.sluice.core.AssignPartitions;
import dev.sluice.core.DeadLetters;
import dev.sluice.core.DropDuplicates;
import dev.sluice.core.Ledger;
import dev.sluice.core.ParseRecords;
import dev.sluice.core.ProtectPii;
import dev.sluice.core.RowEncoder;
import dev.sluice.core.model.DeadLetter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.normalise.Normaliser;
import dev.sluice.core.normalise.Normalisers;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.io.SluiceException;
import dev.sluice.io.aws.S3FileSystems;
import dev.sluice.io.files.ClearDebris;
import dev.sluice.io.files.FileBodies;
import dev.sluice.io.files.FileFormat;
import dev.sluice.io.files.ParquetRows;
import dev.sluice.io.files.RollFiles;
import dev.sluice.io.files.WriteDeadLetters;
import dev.sluice.io.files.WritePartitionedFiles;
import dev.sluice.io.jdbc.StoreAndAck;
import dev.sluice.io.jdbc.WriteNormalisedTables;
import dev.sluice.io.jdbc.WriteRows;
import java.nio.file.Path;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.StreamingOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Duration;
import org.joda.time.Instant;
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
        OptionValues.positive(p.getOptions().as(SluiceOptions.class).getDedupBuckets(), "--dedupBuckets");
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
    // 1. Read the spec, keys, input and output from the options; check the file settings.
    // 2. Point the file systems at S3 (endpoint and region from the environment) and find the
    //    database, which an SQS run needs.
    // 3. Choose the source by --input: matching files, a Kinesis stream or an SQS queue.
    // 4. In a stream, run streaming and roll the files by size and time.
    // 5. Prepare the database: create or check the tables, take their column limits.
    // 6. In a batch, clear what failed runs left in the output.
    // 7. Build the graph and run it to its ledger; write the summary.
    // 8. Fail when the ledger does not balance or too many records were rejected.
    FeedSpec spec =
        Feeds.withPartitioning(Feeds.load(options.getSpec()), options.getPartitioning());
    Protector protector = new Protector(Keys.load(options.getKeyFile()));
    Input input = Input.parse(options.getInput());
    String output = localToAbsolute(options.getOutput());
    Sinks sinks = fileSinks(options, output);

    S3FileSystems.configure(options, true);
    String jdbcUrl = JobTables.jdbcUrl(options, input);

    SourceChoice chosen = SourceChoice.of(input, spec, options);

    boolean streaming = input.kind != Input.Kind.FILES;
    if (streaming) {
      sinks = streaming(options, sinks, chosen);
    }

    JobTables tables = JobTables.prepare(jdbcUrl, chosen.spec, sinks, chosen.acker);
    spec = tables.spec;
    sinks = tables.sinks;

    if (!streaming && output != null) {
      // What failed or killed runs of this output left (temp files, unfinished S3 uploads).
      ClearDebris.under(output, options);
    }

    Pipeline p = Pipeline.create(options);
    buildPipeline(p, spec, protector, chosen.source, sinks);
    LOG.info("running feed {} from {} to {}{}", spec.name, input.describe(), output,
        sinks.database == null ? "" : " and " + sinks.database.displayUrl());
    RunLedger ledger = WatchedRun.run(p, options, spec, input, output, streaming);

    return checked(ledger, options);
  }

  /** The output's files as the options describe them; the first checks of a run. */
  private static Sinks fileSinks(SluiceOptions options, String output) {
    FileFormat.suffix(options.getFormat());
    TooManyRejected.limit(options.getMaxRejected(), 0);
    return Sinks.files(output)
        .withoutDuplicateKeys()
        .withFormat(options.getFormat())
        .withCompression(FileFormat.compression(options.getCompression()))
        .withNumShards(positive(options.getNumShards(), "--numShards"))
        .withBatchSize(positive(options.getJdbcBatchSize(), "--jdbcBatchSize"));
  }

  /**
   * A stream runs streaming, rolls its files, and counts rows late by the out-of-order
   * allowance. SQS deleting at store, when it stops once drained, also closes files idle for the
   * quiet period: the source can tell it is drained only once their messages are deleted.
   */
  private static Sinks streaming(SluiceOptions options, Sinks sinks, SourceChoice chosen) {
    options.as(StreamingOptions.class).setStreaming(true);
    BlockOnRun.off(options);
    Duration flush = duration(options.getFlushInterval(), "--flushInterval");
    sinks = sinks.withRolling(FileSize.parse(options.getFileSize(), "--fileSize"), flush)
        .withMaxOutOfOrder(chosen.outOfOrder);
    if (chosen.acker != null && !chosen.acker.deletesAtCheckpoints() && chosen.stopWhenDrained) {
      sinks = sinks.withCloseWhenIdle(chosen.quiet);
    }
    return sinks;
  }

  private static RunLedger checked(RunLedger ledger, SluiceOptions options) {
    if (!ledger.balanced()) {
      throw new SluiceException("ledger does not balance: " + ledger.line());
    }
    TooManyRejected tooMany = TooManyRejected.check(ledger, options.getMaxRejected());
    if (tooMany != null) {
      throw tooMany;
    }
    return ledger;
  }

  static String localToAbsolute(String location) {
    if (location == null || location.contains("://")) {
      return location;
    }
    return Path.of(location).toAbsolutePath().normalize().toString();
  }
}
