package dev.sluice.lake;

import java.io.Serializable;
import java.util.Objects;

/** What a lake run is set to, checked once on the driver and carried to the loading step. */
public final class LakeConfig implements Serializable {
  final String input;
  final String deadLetters;
  final LakeDatabase database;
  final LakeDialect dialect;
  final String logSchema;
  final boolean failFileOnBadRows;
  final String runId;
  /** Bound of a data object's record, in characters ({@code --maxRecordBytes}). */
  final int maxRecordChars;

  LakeConfig(String input, String deadLetters, LakeDatabase database, LakeDialect dialect,
      String logSchema, boolean failFileOnBadRows, String runId) {
    this(input, deadLetters, database, dialect, logSchema, failFileOnBadRows, runId,
        CsvFile.DEFAULT_MAX_RECORD_CHARS);
  }

  LakeConfig(String input, String deadLetters, LakeDatabase database, LakeDialect dialect,
      String logSchema, boolean failFileOnBadRows, String runId, int maxRecordChars) {
    this.maxRecordChars = maxRecordChars;
    this.input = Objects.requireNonNull(input);
    this.deadLetters = deadLetters.endsWith("/") ? deadLetters : deadLetters + "/";
    this.database = Objects.requireNonNull(database);
    this.dialect = Objects.requireNonNull(dialect);
    this.logSchema = Objects.requireNonNull(logSchema);
    this.failFileOnBadRows = failFileOnBadRows;
    this.runId = Objects.requireNonNull(runId);
  }

  public String input() {
    return input;
  }

  public String deadLetters() {
    return deadLetters;
  }

  public LakeDatabase database() {
    return database;
  }

  public LakeDialect dialect() {
    return dialect;
  }

  public String logSchema() {
    return logSchema;
  }

  public String runId() {
    return runId;
  }

  /** The same settings under a fresh run id, for the next pass of a watch. */
  LakeConfig nextRun() {
    return new LakeConfig(input, deadLetters, database, dialect, logSchema, failFileOnBadRows,
        java.util.UUID.randomUUID().toString(), maxRecordChars);
  }

  LoadLog log() {
    return new LoadLog(logSchema, dialect);
  }
}
