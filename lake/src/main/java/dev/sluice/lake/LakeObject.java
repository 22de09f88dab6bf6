package dev.sluice.lake;

import java.io.Serializable;
import java.time.Instant;
import java.util.Comparator;

/**
 * One object under the lake prefix, as listed: where it is, its key relative to the prefix,
 * when it landed (last-modified), its size and, for S3, its ETag.
 */
public final class LakeObject implements Serializable {
  /**
   * The order objects load in: by landed time, then schema objects before data objects of the
   * same instant (S3 keeps last-modified to the second, so a schema and its first data file
   * often tie), then by key.
   */
  public static final Comparator<LakeObject> LANDING_ORDER =
      Comparator.comparingLong(LakeObject::landedMillis)
          .thenComparingInt(o -> LakeKey.parse(o.key()).action() == LakeAction.SCHEMA ? 0 : 1)
          .thenComparing(LakeObject::key);

  private final String location;
  private final String key;
  private final long landedMillis;
  private final long size;
  private final String etag;

  public LakeObject(String location, String key, long landedMillis, long size, String etag) {
    this.location = location;
    this.key = key;
    this.landedMillis = landedMillis;
    this.size = size;
    this.etag = etag;
  }

  /** The full location: {@code s3://bucket/key} or an absolute local path. */
  public String location() {
    return location;
  }

  /** The key below the lake prefix: {@code <db>/<action>/<table>/<file>} when well formed. */
  public String key() {
    return key;
  }

  public long landedMillis() {
    return landedMillis;
  }

  public Instant landed() {
    return Instant.ofEpochMilli(landedMillis);
  }

  public long size() {
    return size;
  }

  /** The S3 ETag without quotes, or null where the store has none (local files). */
  public String etag() {
    return etag;
  }
}
