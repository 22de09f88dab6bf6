package dev.sluice.feed;

import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * Everything a run takes. Any other Beam option passes through ({@code --runner},
 * {@code --targetParallelism}, the AWS options {@code --awsRegion} and {@code --endpoint}).
 * Keys never come from here: only the path of a key file does.
 */
public interface SluiceOptions extends S3Options {
  @Description("Feed spec (JSON file) describing format, fields, PII, dedup, partitions, table.")
  @Validation.Required
  String getSpec();

  void setSpec(String value);

  @Description("Input: a local glob or s3://bucket/prefix/glob. Gzipped files are read as such.")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description("Output: a local folder or s3://bucket/prefix. Partitions go below it, dead"
      + " letters under _dead_letters/<stage>/.")
  @Validation.Required
  String getOutput();

  void setOutput(String value);

  @Description("JDBC URL of the target database (jdbc:postgresql://host:port/db?user=u)."
      + " Without it, rows go to files only. The password may come from SLUICE_JDBC_PASSWORD.")
  String getJdbcUrl();

  void setJdbcUrl(String value);

  @Description("Key file made by 'sluice keys new'. Otherwise the environment variable"
      + " SLUICE_KEY_FILE (a path) or SLUICE_KEYS (the key JSON itself).")
  String getKeyFile();

  void setKeyFile(String value);

  @Description("Write the run's ledger as JSON to this local file.")
  String getSummary();

  void setSummary(String value);

  @Description("The most records a run may reject and still succeed: a count (100) or a share of"
      + " the records read (5%). Default: all but one, so only a run that rejects every record"
      + " it read fails. Either way the ledger and summary are written first.")
  String getMaxRejected();

  void setMaxRejected(String value);

  @Description("One of the spec's named partitionings (\"partition\": {\"daily\": ..., \"weekly\":"
      + " ...}), e.g. daily or weekly. Default: the spec's default.")
  String getPartitioning();

  void setPartitioning(String value);

  @Description("Output file format: jsonl, csv or parquet (compressed inside the file).")
  @Default.String("jsonl")
  String getFormat();

  void setFormat(String value);

  @Description("Output compression: gzip, zstd or none.")
  @Default.String("gzip")
  String getCompression();

  void setCompression(String value);

  @Description("Files per partition. Fixed, so that a re-run replaces the same files.")
  @Default.Integer(1)
  Integer getNumShards();

  void setNumShards(Integer value);

  @Description("Rows per JDBC batch.")
  @Default.Integer(1000)
  Integer getJdbcBatchSize();

  void setJdbcBatchSize(Integer value);

  @Description("Streams: where a Kinesis read starts when there is no checkpoint:"
      + " trim_horizon (all that is kept) or latest.")
  @Default.String("trim_horizon")
  String getInitialPosition();

  void setInitialPosition(String value);

  @Description("Streams: end the run once the source has had nothing new for --quietPeriod"
      + " (and, for SQS, every message read is stored and deleted).")
  @Default.Boolean(false)
  Boolean getStopWhenDrained();

  void setStopWhenDrained(Boolean value);

  @Description("Streams: how long a source must be quiet to count as drained (10s, 1m).")
  @Default.String("10s")
  String getQuietPeriod();

  void setQuietPeriod(String value);

  @Description("Streams: a partition's open file closes at this size before compression"
      + " (128MiB, 64KiB, bytes).")
  @Default.String("128MiB")
  String getFileSize();

  void setFileSize(String value);

  @Description("Streams: a partition's open file closes after this much processing time"
      + " (5m, 30s, 1h).")
  @Default.String("5m")
  String getFlushInterval();

  void setFlushInterval(String value);

  @Description("Streams: how far behind the newest event time a record may arrive before it"
      + " counts as late (counted only; it is written like any other).")
  @Default.String("1m")
  String getMaxOutOfOrder();

  void setMaxOutOfOrder(String value);

  @Description("SQS: seconds a received message stays invisible; one not stored by then comes"
      + " again (and is absorbed by dedup and the upsert). Default: twice the flush interval"
      + " (at least it plus 10 s) when deleting at store, 60 s (at least twice the checkpoint interval) when deleting"
      + " at checkpoints.")
  Integer getVisibilityTimeout();

  void setVisibilityTimeout(Integer value);

  @Description("Batches: how many buckets dedup groups its keys in; each is one key to the"
      + " runner. Flink wants enough to spread over its parallelism; the DirectRunner makes a"
      + " bundle per bucket and input part, and runs a batch with 8 unless given.")
  @Default.Integer(256)
  Integer getDedupBuckets();

  void setDedupBuckets(Integer value);

  @Description("SQS: when a message is deleted. 'store': once its row (or dead letter) is"
      + " stored, on any runner. 'checkpoint': once it is stored and the checkpoint holding it"
      + " has completed, so a restore loses nothing from the files either (Flink only; its"
      + " default when checkpointing). Keep --visibilityTimeout above the checkpoint interval.")
  @Default.String("store")
  String getSqsDelete();

  void setSqsDelete(String value);

  @Description("Write a self-contained HTML report of the run (ledger, partitions, dead letters,"
      + " files, throughput) to this local file.")
  String getReport();

  void setReport(String value);

  @Description("While the run goes, serve /metrics (Prometheus text format) on 127.0.0.1 at this"
      + " port.")
  Integer getMetricsPort();

  void setMetricsPort(Integer value);
}
