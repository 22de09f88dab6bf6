import dev.sluice.cli.generate.CafeGenerator;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;

/**
 * The cafe benchmark's input in one JVM: {@code --branches} branches' uploads for {@code --days}
 * days from 2021-08-25, {@code --perFile} sales each, in the real format (as
 * {@code sluice generate --feed=cafe} writes one file). Run with the shaded jar on the class
 * path: {@code java -cp sluice.jar bench/CafeFortnight.java --out=DIR}.
 */
public final class CafeFortnight {
  static final String[] BRANCHES = {"Chesterfield", "Leeds", "Uppingham", "Sheffield", "York",
      "Derby", "Lincoln", "Nottingham", "Hull", "Bradford", "Wakefield", "Doncaster", "Durham",
      "Harrogate", "Ripon", "Whitby", "Skipton", "Buxton", "Matlock", "Bakewell"};

  public static void main(String[] args) throws Exception {
    int branches = 18;
    int days = 14;
    int perFile = 198;
    double broken = 0.0;
    Path out = null;
    for (String a : args) {
      String v = a.substring(a.indexOf('=') + 1);
      if (a.startsWith("--branches=")) branches = Integer.parseInt(v);
      else if (a.startsWith("--days=")) days = Integer.parseInt(v);
      else if (a.startsWith("--perFile=")) perFile = Integer.parseInt(v);
      else if (a.startsWith("--broken=")) broken = Double.parseDouble(v);
      else if (a.startsWith("--out=")) out = Path.of(v);
      else throw new IllegalArgumentException("unknown argument " + a);
    }
    Files.createDirectories(out);
    LocalDate first = LocalDate.parse("2021-08-25");
    long seed = 1;
    for (int d = 0; d < days; d++) {
      LocalDate day = first.plusDays(d);
      for (int b = 0; b < branches; b++) {
        String branch = BRANCHES[b % BRANCHES.length];
        CafeGenerator g = new CafeGenerator(seed++, day, branch, perFile, broken);
        Path f = out.resolve(branch.toLowerCase() + "_" + day + ".csv");
        try (BufferedWriter w = Files.newBufferedWriter(f, StandardCharsets.UTF_8)) {
          for (int i = 0; i < perFile; i++) {
            w.write(g.next());
            w.write('\n');
          }
        }
      }
    }
  }
}
