package dev.sluice.lake;

import dev.sluice.io.SluiceException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pass over the lake: list every object under the prefix, put them in landing order, and
 * load each version the log does not show as loaded or rejected, one after the other. When an
 * object of a table fails, later objects of that table wait for the next pass, so a table's
 * objects always apply in the order they landed.
 */
final class LakePass {
  private static final Logger LOG = LoggerFactory.getLogger(LakePass.class);

  private final LakeConfig config;
  private final ObjectLoader loader;

  LakePass(LakeConfig config) {
    this.config = config;
    this.loader = new ObjectLoader(config);
  }

  /** Runs one pass; each processed object's log row goes to {@code out}. */
  void run(LakeStore store, Consumer<LoadRecord> out) {
    List<LakeObject> objects;
    try {
      objects = new ArrayList<>(store.list(config.deadLetters));
    } catch (IOException e) {
      throw new SluiceException("--input=" + config.input + ": cannot be listed ("
          + e.getMessage() + ")");
    }
    objects.sort(LakeObject.LANDING_ORDER);
    LoadLog log = config.log();
    try (Connection c = config.database.connect()) {
      Map<String, String> done = log.statusesUnder(c, store.prefix());
      Set<String> blocked = new HashSet<>();
      for (LakeObject o : objects) {
        String checksum;
        try {
          checksum = store.checksum(o);
        } catch (IOException e) {
          LOG.warn("cannot read {} to checksum it ({}); trying again on the next pass",
              Shown.safe(o.location()), e.getMessage());
          continue;
        }
        String status = done.get(o.location() + "\n" + checksum);
        if (LoadRecord.LOADED.equals(status) || LoadRecord.REJECTED.equals(status)) {
          continue;
        }
        LakeKey key = LakeKey.parse(o.key());
        if (key.valid() && blocked.contains(key.qualifiedTable())) {
          continue;
        }
        LoadRecord r = loader.load(c, store, o, checksum);
        if (r == null) {
          continue;
        }
        LOG.info("{} {} {}: read {}, loaded {}, rejected {}, changed {}{}", r.status,
            r.action == null ? "-" : r.action, Shown.safe(o.location()), r.rowsRead,
            r.rowsLoaded, r.rowsRejected, r.rowsChanged,
            r.reason == null ? "" : " (" + Shown.safe(r.reason) + ")");
        if (LoadRecord.FAILED.equals(r.status) && key.valid()) {
          blocked.add(key.qualifiedTable());
        }
        out.accept(r);
      }
    } catch (SQLException e) {
      throw new SluiceException(config.database.describe(e), e);
    }
  }
}
