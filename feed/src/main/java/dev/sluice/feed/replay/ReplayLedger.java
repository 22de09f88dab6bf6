package dev.sluice.feed.replay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.feed.RunLedger;
import java.util.Map;
import java.util.TreeMap;

/**
 * The books of a replay: every dead letter read is replayed or reported not replayable, and
 * {@code replayed = written + duplicates + rejected again}, the run's own ledger over the
 * replayed records. {@code alreadyLoaded} says how many written rows were in the table before
 * (a replay done before, or the key loaded since); -1 when there is no table to ask.
 */
public final class ReplayLedger {
  private final RunLedger run;
  private final long deadLetters;
  private final Map<String, Long> notReplayable;
  private final Map<String, String> examples;
  private final long alreadyLoaded;
  private final String table;

  ReplayLedger(RunLedger run, long deadLetters, Map<String, Long> notReplayable,
      Map<String, String> examples, long alreadyLoaded, String table) {
    this.run = run;
    this.deadLetters = deadLetters;
    this.notReplayable = new TreeMap<>(notReplayable);
    this.examples = new TreeMap<>(examples);
    this.alreadyLoaded = alreadyLoaded;
    this.table = table;
  }

  public RunLedger run() {
    return run;
  }

  public long deadLetters() {
    return deadLetters;
  }

  public long replayed() {
    return run.read();
  }

  public long notReplayable() {
    return notReplayable.values().stream().mapToLong(Long::longValue).sum();
  }

  public Map<String, Long> notReplayableByReason() {
    return notReplayable;
  }

  public Map<String, String> notReplayableExamples() {
    return examples;
  }

  /** Written rows whose key was in the table before this replay; -1 without a table. */
  public long alreadyLoaded() {
    return alreadyLoaded;
  }

  public boolean balanced() {
    return run.balanced() && deadLetters == replayed() + notReplayable();
  }

  /** The lines a replay prints. */
  public String lines() {
    StringBuilder b = new StringBuilder();
    b.append(run.feed()).append(" replay: dead letters ").append(deadLetters)
        .append(" = replayed ").append(replayed()).append(" + not replayable ")
        .append(notReplayable()).append('\n');
    b.append(run.feed()).append(" replay: replayed ").append(replayed()).append(" = written ")
        .append(run.written()).append(" + duplicates ").append(run.duplicates())
        .append(" + rejected again ").append(run.rejected());
    if (!run.rejectedByStage().isEmpty()) {
      b.append(" (");
      String sep = "";
      for (Map.Entry<String, Long> e : run.rejectedByStage().entrySet()) {
        b.append(sep).append(e.getKey()).append(' ').append(e.getValue());
        sep = ", ";
      }
      b.append(')');
    }
    b.append(balanced() ? "  [balanced]" : "  [NOT BALANCED]");
    if (alreadyLoaded >= 0) {
      b.append('\n').append("  already loaded: ").append(alreadyLoaded).append(" of the ")
          .append(run.written()).append(" written were in table ").append(table)
          .append(" before (stored once; nothing twice)");
    }
    for (Map.Entry<String, Long> e : notReplayable.entrySet()) {
      b.append('\n').append("  not replayable: ").append(e.getValue()).append(", ")
          .append(e.getKey()).append("; e.g. ").append(examples.getOrDefault(e.getKey(), "?"));
    }
    return b.toString();
  }

  public ObjectNode toJson(ObjectMapper mapper) {
    ObjectNode n = run.toJson(mapper);
    n.put("dead_letters", deadLetters);
    n.put("replayed", replayed());
    n.put("rejected_again", run.rejected());
    n.put("not_replayable", notReplayable());
    ObjectNode why = n.putObject("not_replayable_by_reason");
    notReplayable.forEach(why::put);
    if (alreadyLoaded >= 0) {
      n.put("already_loaded", alreadyLoaded);
      n.put("table", table);
    }
    n.put("balanced", balanced());
    return n;
  }
}
