package dev.sluice.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Checks that runs did the same work: per partition folder, the number of rows and (unless
 * {@code --countsOnly=true}) an order-independent digest of the lines, over the gzip JSON-lines
 * files below each output folder (dead letters left out). Exits 1 when they differ.
 *
 * <pre>java -cp ... dev.sluice.bench.Verify --expected=DIR --actual=DIR [--countsOnly=true]</pre>
 */
public final class Verify {
  private Verify() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    boolean countsOnly = Boolean.parseBoolean(a.getOrDefault("countsOnly", "false"));
    Map<String, long[]> expected = summarise(Path.of(a.get("expected")), countsOnly);
    Map<String, long[]> actual = summarise(Path.of(a.get("actual")), countsOnly);
    long rows = expected.values().stream().mapToLong(v -> v[0]).sum();
    if (expected.equals(actualAsSameKeys(expected, actual))) {
      System.out.printf("same: %d partitions, %d rows%s%n", expected.size(), rows,
          countsOnly ? " (counts only)" : ", same lines");
      return;
    }
    for (String p : expected.keySet()) {
      long[] e = expected.get(p);
      long[] x = actual.get(p);
      if (x == null || e[0] != x[0] || e[1] != x[1]) {
        System.out.printf("differs: %s expected %d rows, got %s%n", p, e[0],
            x == null ? "none" : x[0] + (x[0] == e[0] ? " (other lines)" : ""));
      }
    }
    for (String p : actual.keySet()) {
      if (!expected.containsKey(p)) {
        System.out.printf("differs: %s not expected (%d rows)%n", p, actual.get(p)[0]);
      }
    }
    System.exit(1);
  }

  private static Map<String, long[]> actualAsSameKeys(Map<String, long[]> e,
      Map<String, long[]> a) {
    if (!e.keySet().equals(a.keySet())) {
      return null;
    }
    for (String k : e.keySet()) {
      if (e.get(k)[0] != a.get(k)[0] || e.get(k)[1] != a.get(k)[1]) {
        return null;
      }
    }
    return e;
  }

  /** Partition folder to {rows, sum of the lines' 64-bit digests}. */
  static Map<String, long[]> summarise(Path root, boolean countsOnly)
      throws IOException, NoSuchAlgorithmException {
    MessageDigest md5 = MessageDigest.getInstance("MD5");
    Map<String, long[]> out = new TreeMap<>();
    List<Path> files;
    try (Stream<Path> s = Files.walk(root)) {
      files = s.filter(p -> p.toString().endsWith(".gz"))
          .filter(p -> !root.relativize(p).toString().startsWith("_"))
          .sorted()
          .collect(Collectors.toList());
    }
    for (Path f : files) {
      String partition = root.relativize(f.getParent() == null ? root : f.getParent()).toString();
      long[] acc = out.computeIfAbsent(partition, k -> new long[2]);
      try (BufferedReader r = new BufferedReader(new InputStreamReader(
          new GZIPInputStream(Files.newInputStream(f), 1 << 16), StandardCharsets.UTF_8),
          1 << 16)) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.isEmpty()) {
            continue;
          }
          acc[0]++;
          if (!countsOnly) {
            byte[] d = md5.digest(line.getBytes(StandardCharsets.UTF_8));
            long h = 0;
            for (int i = 0; i < 8; i++) {
              h = (h << 8) | (d[i] & 0xff);
            }
            acc[1] += h;
          }
        }
      }
    }
    return out;
  }
}
