package dev.sluice.lake;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.spec.Names;
import java.io.Serializable;
import java.time.Instant;
import java.util.Objects;

/**
 * One row of the load log: what happened to one object version. {@code rowsLoaded} counts the
 * file's rows that fit and were applied; {@code rowsChanged} the table rows that changed
 * (inserted or updated by an append, inserted by a truncate), so a file delivered twice shows
 * {@code rowsChanged == 0} the second time.
 */
public final class LoadRecord implements Serializable {
  /** The statuses a load ends in. */
  public static final String LOADED = "loaded";
  public static final String REJECTED = "rejected";
  public static final String FAILED = "failed";

  public String objectKey;
  public String checksum;
  public String db;
  public String action;
  public String table;
  public String status;
  public String reason;
  public long rowsRead;
  public long rowsLoaded;
  public long rowsRejected;
  public long rowsChanged;
  public Instant landedAt;
  public Instant processedAt;
  public int attempts;
  public String deadLetters;
  public String runId;

  /** A record for an object about to be processed: nothing read yet. */
  static LoadRecord start(LakeObject o, String checksum, LakeKey k, String runId) {
    LoadRecord r = new LoadRecord();
    r.objectKey = o.location();
    r.checksum = checksum;
    if (k.valid()) {
      r.db = k.db();
      r.action = k.action().word();
      r.table = k.table();
    } else {
      // A refused key still shows the parts that are safe to show and to filter on.
      String[] parts = o.key().split("/", -1);
      if (parts.length == 4) {
        r.db = Names.isSafe(parts[0]) ? parts[0] : null;
        r.action = LakeAction.fromWord(parts[1]) == null ? null : parts[1];
        r.table = Names.isSafe(parts[2]) ? parts[2] : null;
      }
    }
    r.landedAt = o.landed();
    r.attempts = 1;
    r.runId = runId;
    return r;
  }

  LoadRecord ended(String status, String reason) {
    this.status = status;
    this.reason = reason == null ? null : shorten(reason, 1000);
    this.processedAt = Instant.now();
    if (!LOADED.equals(status)) {
      rowsLoaded = 0;
      rowsChanged = 0;
    }
    return this;
  }

  private static String shorten(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max - 3) + "...";
  }

  /** The JSON the REST API answers with, one object per row. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("object_key", objectKey);
    n.put("checksum", checksum);
    n.put("db", db);
    n.put("action", action);
    n.put("table", table);
    n.put("status", status);
    n.put("reason", reason);
    n.put("rows_read", rowsRead);
    n.put("rows_loaded", rowsLoaded);
    n.put("rows_rejected", rowsRejected);
    n.put("rows_changed", rowsChanged);
    n.put("landed_at", landedAt == null ? null : landedAt.toString());
    n.put("processed_at", processedAt == null ? null : processedAt.toString());
    n.put("attempts", attempts);
    n.put("dead_letters", deadLetters);
    n.put("run_id", runId);
    return n;
  }

  @Override
  public String toString() {
    return status + " " + objectKey + (reason == null ? "" : " (" + reason + ")");
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LoadRecord)) {
      return false;
    }
    LoadRecord r = (LoadRecord) o;
    return toJson().equals(r.toJson());
  }

  @Override
  public int hashCode() {
    return Objects.hash(objectKey, checksum, status);
  }
}
