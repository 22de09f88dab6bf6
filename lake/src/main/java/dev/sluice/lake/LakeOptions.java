package dev.sluice.lake;

import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.options.Validation;

/**
 * What {@code sluice lake} takes. Any other Beam option passes through ({@code --runner}, and
 * for S3 {@code --awsRegion} and {@code --endpoint}).
 */
public interface LakeOptions extends S3Options {
  @Description("The lake: an s3://bucket/prefix or a local folder holding"
      + " <db>/<action>/<table>/<file> objects.")
  @Validation.Required
  String getInput();

  void setInput(String value);

  @Description("JDBC URL of the target (jdbc:postgresql://host:5432/db?user=u or"
      + " jdbc:redshift://cluster:5439/db?user=u). The password may come from"
      + " SLUICE_JDBC_PASSWORD.")
  @Validation.Required
  String getJdbcUrl();

  void setJdbcUrl(String value);

  @Description("SQL dialect: postgres or redshift (default: redshift for a jdbc:redshift: URL,"
      + " otherwise postgres).")
  String getDialect();

  void setDialect(String value);

  @Description("Keep watching for new objects, listing the prefix this often (30s, 5m, 1h)."
      + " Without it, one pass loads what is new and the command ends.")
  String getWatch();

  void setWatch(String value);

  @Description("Where dead letters (bad rows, JSON lines) go: a local folder or s3:// prefix"
      + " (default <input>/_dead_letters/, which the loader never loads).")
  String getDeadLetters();

  void setDeadLetters(String value);

  @Description("Refuse a whole file when any of its rows does not fit (default: load the good"
      + " rows, bad ones to dead letters).")
  @Default.Boolean(false)
  Boolean getFailFileOnBadRows();

  void setFailFileOnBadRows(Boolean value);

  @Description("Database schema of the load log (sluice_load_log) and schema records"
      + " (sluice_lake_tables).")
  @Default.String("public")
  String getLogSchema();

  void setLogSchema(String value);

  @Description("Longest record (and so field) of a data object, in characters; an object with a"
      + " longer one (a quote never closed, a file without line breaks) is rejected and the"
      + " next objects load.")
  @Default.Integer(16 << 20)
  Integer getMaxRecordBytes();

  void setMaxRecordBytes(Integer value);
}
