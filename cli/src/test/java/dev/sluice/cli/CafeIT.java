package dev.sluice.cli;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.standins.LocalServices;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.BeforeClass;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.RuleChain;
import org.junit.rules.TemporaryFolder;

/**
 * The cafe feed end to end through {@code bin/sluice}: branch CSVs from S3 (S3Proxy) into the
 * normalised tables of a real Postgres, with files and dead letters back on S3. Expectations are
 * worked out here by hand or by a small reference reading of the files, never by Sluice.
 */
public class CafeIT {
  public static final TemporaryFolder TMP = new TemporaryFolder();
  public static final StandIns STAND_INS = StandIns.forBatches(TMP);
  @ClassRule public static final RuleChain CHAIN = RuleChain.outerRule(TMP).around(STAND_INS);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String BUCKET = "cafe";
  private static LocalServices.S3 s3;
  private static S3Objects lake;
  private static EmbeddedPostgres pg;
  private static Path keys;
  private static Map<String, String> env;

  /** A hand-checked day at Chesterfield: four sales (one next day) and three broken lines. */
  static final String[] CHESTERFIELD = {
    "25/08/2021 09:00,Chesterfield,Richard Copeland,\"Regular Flat white - 2.15, Large Latte -"
        + " 2.45\",4.60,CARD,5494173772652516",
    "25/08/2021 09:05,Chesterfield,Scott Owens,\"Large Latte - 2.45, Large Latte - 2.45,"
        + " Regular Tea - 1.20\",6.10,CASH,",
    "25/08/2021 10:15,Chesterfield,Gloria Tully,\"Large Flavoured iced latte - Vanilla -"
        + " 2.85\",2.85,CARD,4916338506082832",
    "26/08/2021 09:30,Chesterfield,Ann Lee,\"Regular Flat white - 2.15\",2.15,CASH,",
    "25/08/2021 11:02,Chesterfield,Harold Finch,\"Regular Latte - 2.15, Large Mocha - 2.70\","
        + "4.95,CARD,4929120638473310",
    "2021-08-25 11:15,Chesterfield,Joan Watson,\"Regular Tea - 1.20\",1.20,CASH,",
    "25/08/2021 17:31,Chesterfield,Carla Dunn,\"Regular Flat white - 2.15\"",
  };

  /** A hand-checked day at Leeds: three sales (two identical) and four broken lines. */
  static final String[] LEEDS = {
    "25/08/2021 09:10,Leeds,Marie Curie,\"Large Latte - 2.45, Croissant - 1.75\",4.20,CARD,"
        + "5105105105105100",
    "25/08/2021 10:15,Leeds,Tom Hardy,\"Regular Tea - 1.20\",1.20,CASH,",
    "25/08/2021 10:15,Leeds,Eve Moss,\"Regular Tea - 1.20\",1.20,CASH,",
    "25/08/2021 11:40,Leeds,Sam Reese,\"Large Cappuccino - 2.4S, Regular Tea - 1.20\",3.65,CARD,"
        + "5425233430109903",
    "25/08/2021 12:05,Leeds,Lionel Fusco,\"\",0.00,CASH,",
    "25/08/2021 12:10,Leeds,Ben Ames,\"Large Latte - 2.45\",2.45,VOUCHER,",
    "25/08/2021 12:15,Leeds,Tara Mills,\"Large Latte 2.45\",2.45,CARD,5555555555554444",
  };

  /** Names and card numbers of both files: none may appear anywhere Sluice writes. */
  static final List<String> PERSONAL = List.of("Richard Copeland", "Scott Owens", "Gloria Tully",
      "Ann Lee", "Harold Finch", "Joan Watson", "Carla Dunn", "Marie Curie", "Tom Hardy",
      "Eve Moss", "Sam Reese", "Lionel Fusco", "Ben Ames", "Tara Mills", "5494173772652516",
      "4916338506082832", "4929120638473310", "5105105105105100", "5425233430109903",
      "5555555555554444");

  @BeforeClass
  public static void makeBucketAndKeys() throws Exception {
    s3 = STAND_INS.s3();
    pg = STAND_INS.pg();
    env = STAND_INS.env();
    s3.context().getBlobStore().createContainerInLocation(null, BUCKET);
    lake = new S3Objects(s3.context().getBlobStore(), BUCKET);
    keys = TMP.getRoot().toPath().resolve("keys.json");
    assertEquals(0, Cli.run("keys", "new", "--out=" + keys).exit);
  }

  private static String database(String name) throws Exception {
    return STAND_INS.database(name);
  }

  /** Each row of a query as its columns' text joined by " | ". */
  private static List<String> query(String db, String sql) throws Exception {
    List<String> out = new ArrayList<>();
    try (Connection c = pg.getDatabase("postgres", db).getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        StringBuilder b = new StringBuilder();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          if (i > 1) {
            b.append(" | ");
          }
          Object v = rs.getObject(i);
          b.append(v instanceof BigDecimal ? ((BigDecimal) v).toPlainString() : v);
        }
        out.add(b.toString());
      }
    }
    return out;
  }

  private static long count(String db, String table) throws Exception {
    return Long.parseLong(query(db, "SELECT count(*) FROM " + table).get(0));
  }

  /** Every table's rows with their row versions: a re-run that rewrote a row changes xmin. */
  private static List<String> snapshot(String db) throws Exception {
    List<String> all = new ArrayList<>();
    for (String t : List.of("branches", "products", "orders", "order_items")) {
      for (String r : query(db, "SELECT xmin, t::text FROM " + t + " t ORDER BY 2")) {
        all.add(t + ": " + r);
      }
    }
    return all;
  }

  private static String tablesText(String db) throws Exception {
    return String.join("\n", snapshot(db));
  }

  private static Map<String, String> origins(List<String> lines) throws IOException {
    Map<String, String> out = new TreeMap<>();
    for (String l : lines) {
      JsonNode d = MAPPER.readTree(l);
      out.put(d.get("origin").asText(), d.get("stage").asText() + ": " + d.get("reason").asText());
    }
    return out;
  }

  /**
   * The hand-checked day: exact ledger and rows per table, the views' answers, a reason per
   * broken line, a dead letter's payload back through reveal, nothing personal anywhere, and a
   * second run that changes no row, object or count.
   */
  @Test
  public void handCheckedDayIntoTablesViewsAndS3() throws Exception {
    lake.put("in/chesterfield_25-08-2021.csv",
        (String.join("\n", CHESTERFIELD) + "\n").getBytes(StandardCharsets.UTF_8));
    lake.put("in/leeds_25-08-2021.csv",
        (String.join("\n", LEEDS) + "\n").getBytes(StandardCharsets.UTF_8));
    String url = database("cafe_hand");
    Path summary = TMP.getRoot().toPath().resolve("hand.json");
    String[] args = {"run", "--spec=testdata/cafe/spec.json", "--input=s3://cafe/in/*.csv",
        "--output=s3://cafe/out/cafe", "--jdbcUrl=" + url, "--keyFile=" + keys,
        "--summary=" + summary};

    Cli first = Cli.run(env, args);
    assertEquals(first.toString(), 0, first.exit);
    assertThat(first.out, containsString(
        "cafe: read 14 = written 7 + duplicates 0 + rejected 7 (parse 1, validate 6)  [balanced]"));
    JsonNode s = MAPPER.readTree(summary.toFile());
    assertEquals(14, s.get("read").asLong());
    assertEquals(7, s.get("written").asLong());

    assertEquals(2, count("cafe_hand", "branches"));
    assertEquals(5, count("cafe_hand", "products"));
    assertEquals(7, count("cafe_hand", "orders"));
    assertEquals(10, count("cafe_hand", "order_items"));
    assertEquals(List.of("Chesterfield", "Leeds"),
        query("cafe_hand", "SELECT name FROM branches ORDER BY 1"));
    assertEquals(List.of("Croissant | null | 1.75", "Flat white | Regular | 2.15",
            "Flavoured iced latte - Vanilla | Large | 2.85", "Latte | Large | 2.45",
            "Tea | Regular | 1.20"),
        query("cafe_hand", "SELECT name, size, price FROM products ORDER BY 1"));
    // Two identical Leeds sales are two orders.
    assertEquals(List.of("2"), query("cafe_hand", "SELECT count(*) FROM orders o JOIN branches"
        + " b USING (branch_id) WHERE b.name = 'Leeds' AND o.total = 1.20"));

    assertEquals(List.of(
            "2021-08-25 | Croissant | null | 1 | 1.75",
            "2021-08-25 | Flat white | Regular | 1 | 2.15",
            "2021-08-25 | Flavoured iced latte - Vanilla | Large | 1 | 2.85",
            "2021-08-25 | Latte | Large | 4 | 9.80",
            "2021-08-25 | Tea | Regular | 3 | 3.60",
            "2021-08-26 | Flat white | Regular | 1 | 2.15"),
        query("cafe_hand", "SELECT day, product, size, quantity, sales"
            + " FROM cafe_sales_per_product_day ORDER BY 1, 2"));
    assertEquals(List.of(
            "Chesterfield | 2021-08-25 09:00:00.0 | 2021-08-25 08:00:00.0 | 2 | 10.70",
            "Chesterfield | 2021-08-25 10:00:00.0 | 2021-08-25 09:00:00.0 | 1 | 2.85",
            "Chesterfield | 2021-08-26 09:00:00.0 | 2021-08-26 08:00:00.0 | 1 | 2.15",
            "Leeds | 2021-08-25 09:00:00.0 | 2021-08-25 08:00:00.0 | 1 | 4.20",
            "Leeds | 2021-08-25 10:00:00.0 | 2021-08-25 09:00:00.0 | 2 | 2.40"),
        query("cafe_hand", "SELECT branch, hour, hour_start AT TIME ZONE 'UTC', orders, takings"
            + " FROM cafe_takings_per_branch_hour ORDER BY 1, 2"));
    assertEquals(List.of(
            "Chesterfield | 2021-08-25 | CARD | 2 | 7.45 | 0.6667",
            "Chesterfield | 2021-08-25 | CASH | 1 | 6.10 | 0.3333",
            "Chesterfield | 2021-08-26 | CASH | 1 | 2.15 | 1.0000",
            "Leeds | 2021-08-25 | CARD | 1 | 4.20 | 0.3333",
            "Leeds | 2021-08-25 | CASH | 2 | 2.40 | 0.6667"),
        query("cafe_hand", "SELECT branch, day, payment_type, orders, takings, share_of_orders"
            + " FROM cafe_payment_mix ORDER BY 1, 2, 3"));

    String shard = "cafe-00000-of-00001";
    assertEquals(Set.of(
            "out/cafe/branch=Chesterfield/dt=2021-08-25/" + shard + ".jsonl.gz",
            "out/cafe/branch=Chesterfield/dt=2021-08-26/" + shard + ".jsonl.gz",
            "out/cafe/branch=Leeds/dt=2021-08-25/" + shard + ".jsonl.gz",
            "out/cafe/_dead_letters/parse/" + shard + ".jsonl",
            "out/cafe/_dead_letters/validate/" + shard + ".jsonl"),
        lake.keys("out/"));
    List<String> dead = new ArrayList<>(lake.lines("out/cafe/_dead_letters/parse/" + shard
        + ".jsonl"));
    dead.addAll(lake.lines("out/cafe/_dead_letters/validate/" + shard + ".jsonl"));
    String ches = "s3://cafe/in/chesterfield_25-08-2021.csv:";
    String leeds = "s3://cafe/in/leeds_25-08-2021.csv:";
    Map<String, String> want = new TreeMap<>();
    want.put(ches + 5, "validate: field 'total' differs from the sum of its 2 items by 0.10"
        + " (more than a cent)");
    want.put(ches + 6, "validate: field 'ordered_at': expected a timestamp (dd/MM/yyyy HH:mm),"
        + " got text that is not");
    want.put(ches + 7, "parse: row has 4 values; the spec's format.columns has 7");
    want.put(leeds + 4, "validate: basket item 1: price is not an amount");
    want.put(leeds + 5, "validate: field 'basket' is required but empty");
    want.put(leeds + 6, "validate: field 'payment_type' must be CASH or CARD");
    want.put(leeds + 7, "validate: basket item 1 has no ' - ' before its price");
    assertEquals(want, origins(dead));

    // The encrypted payload is the one place a raw line lives; the key gives it back.
    String token = null;
    for (String d : dead) {
      JsonNode n = MAPPER.readTree(d);
      if (n.get("origin").asText().equals(ches + 5)) {
        token = n.get("payload_encrypted").asText();
      }
    }
    Cli reveal = Cli.run("reveal", "--keyFile=" + keys, "--field=_payload", token);
    assertEquals(reveal.toString(), 0, reveal.exit);
    assertEquals(CHESTERFIELD[4], reveal.out.strip());

    String everything = lake.allText("out/") + tablesText("cafe_hand") + first.out + first.err;
    for (String personal : PERSONAL) {
      for (String form : forms(personal)) {
        assertThat("leaked " + personal, everything, not(containsString(form)));
      }
    }

    List<String> tablesBefore = snapshot("cafe_hand");
    Map<String, List<String>> objectsBefore = lake.sortedContent("out/");
    Cli second = Cli.run(env, args);
    assertEquals(second.toString(), 0, second.exit);
    assertThat(second.out, containsString("read 14 = written 7 + duplicates 0 + rejected 7"));
    assertEquals("no row rewritten or added", tablesBefore, snapshot("cafe_hand"));
    assertEquals(objectsBefore, lake.sortedContent("out/"));
  }

  /**
   * The shipped sample: two branches load in parallel, the third after, and a run of all three
   * changes nothing; counts agree with a reference reading of the files made here.
   */
  @Test
  public void branchesLoadInParallelAndTogetherIdempotently() throws Exception {
    String url = database("cafe_par");
    Path data = Cli.ROOT.resolve("testdata/cafe");
    Reference want = Reference.of(List.of(data.resolve("chesterfield_25-08-2021.csv"),
        data.resolve("leeds_25-08-2021.csv"), data.resolve("uppingham_25-08-2021.csv")));
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Cli>> runs = new ArrayList<>();
      for (String branch : List.of("chesterfield", "leeds")) {
        runs.add(pool.submit(() -> Cli.run("run", "--spec=testdata/cafe/spec.json",
            "--input=testdata/cafe/" + branch + "_*.csv",
            "--output=" + TMP.getRoot().toPath().resolve("par-" + branch), "--jdbcUrl=" + url,
            "--keyFile=" + keys)));
      }
      for (Future<Cli> f : runs) {
        Cli r = f.get();
        assertEquals(r.toString(), 0, r.exit);
      }
    } finally {
      pool.shutdownNow();
    }
    Cli third = Cli.run("run", "--spec=testdata/cafe/spec.json",
        "--input=testdata/cafe/uppingham_*.csv", "--output=" + TMP.newFolder("par-uppingham"),
        "--jdbcUrl=" + url, "--keyFile=" + keys);
    assertEquals(third.toString(), 0, third.exit);

    assertEquals(want.branches.size(), count("cafe_par", "branches"));
    assertEquals(want.products.size(), count("cafe_par", "products"));
    assertEquals(want.orders, count("cafe_par", "orders"));
    assertEquals(want.items, count("cafe_par", "order_items"));
    assertEquals(List.of(want.takings.toPlainString()),
        query("cafe_par", "SELECT sum(total) FROM orders"));
    assertEquals(List.of(want.takings.toPlainString()),
        query("cafe_par", "SELECT sum(takings) FROM cafe_takings_per_branch_hour"));
    assertEquals(List.of(Long.toString(want.quantity)),
        query("cafe_par", "SELECT sum(quantity) FROM cafe_sales_per_product_day"));

    List<String> before = snapshot("cafe_par");
    Path summary = TMP.getRoot().toPath().resolve("all.json");
    Cli all = Cli.run("run", "--spec=testdata/cafe/spec.json", "--input=testdata/cafe/*.csv",
        "--output=" + TMP.newFolder("all"), "--jdbcUrl=" + url, "--keyFile=" + keys,
        "--summary=" + summary);
    assertEquals(all.toString(), 0, all.exit);
    JsonNode s = MAPPER.readTree(summary.toFile());
    assertEquals(want.read, s.get("read").asLong());
    assertEquals(want.orders, s.get("written").asLong());
    assertEquals(want.read - want.orders, s.get("rejected").asLong());
    assertEquals("no row rewritten or added", before, snapshot("cafe_par"));

    // The Grafana dashboard's queries run against the views, macros filled in as Grafana would.
    JsonNode dash = MAPPER.readTree(Cli.ROOT.resolve("testdata/cafe/grafana-dashboard.json")
        .toFile());
    int queries = 0;
    for (JsonNode panel : dash.get("panels")) {
      for (JsonNode t : panel.get("targets")) {
        String sql = t.get("rawSql").asText()
            .replaceAll("\\$__timeFilter\\(([^()]*(?:\\([^()]*\\))?[^()]*)\\)",
                "$1 BETWEEN '2021-08-25T00:00:00Z' AND '2021-08-27T00:00:00Z'")
            .replace("$branch", "'Chesterfield','Leeds','Uppingham'");
        assertThat(panel.get("title").asText(), query("cafe_par", sql).size(), greaterThan(0));
        queries++;
      }
    }
    assertEquals(7, queries);
    assertEquals(List.of("Chesterfield", "Leeds", "Uppingham"),
        query("cafe_par", dash.at("/templating/list/0/query").asText()));
  }

  /** {@code generate} makes the same day for the same seed; every generated sale loads. */
  @Test
  public void generatedDaysAreDeterministicAndLoad() throws Exception {
    Path dir = TMP.newFolder("gen").toPath();
    for (String name : List.of("a.csv", "b.csv")) {
      Cli g = Cli.run("generate", "--feed=cafe", "--count=250", "--seed=5", "--branch=Leeds",
          "--date=2021-09-01", "--out=" + dir.resolve(name));
      assertEquals(g.toString(), 0, g.exit);
    }
    Cli other = Cli.run("generate", "--feed=cafe", "--count=250", "--seed=6", "--branch=Leeds",
        "--date=2021-09-01", "--out=" + TMP.getRoot().toPath().resolve("other.csv"));
    assertEquals(other.toString(), 0, other.exit);
    byte[] a = Files.readAllBytes(dir.resolve("a.csv"));
    assertArrayEquals(a, Files.readAllBytes(dir.resolve("b.csv")));
    assertNotEquals(new String(a, StandardCharsets.UTF_8),
        Files.readString(TMP.getRoot().toPath().resolve("other.csv")));
    Files.delete(dir.resolve("b.csv"));
    Reference want = Reference.of(List.of(dir.resolve("a.csv")));
    assertEquals(250, want.read);
    assertEquals(250, want.orders);

    String url = database("cafe_gen");
    Cli run = Cli.run("run", "--spec=testdata/cafe/spec.json", "--input=" + dir + "/*.csv",
        "--output=" + TMP.newFolder("gen-out"), "--jdbcUrl=" + url, "--keyFile=" + keys);
    assertEquals(run.toString(), 0, run.exit);
    assertThat(run.out, containsString("read 250 = written 250 + duplicates 0 + rejected 0"));
    assertEquals(250, count("cafe_gen", "orders"));
    assertEquals(want.items, count("cafe_gen", "order_items"));
    assertEquals(want.products.size(), count("cafe_gen", "products"));

    Path brokenDir = TMP.newFolder("gen-broken").toPath();
    Cli g = Cli.run("generate", "--feed=cafe", "--count=400", "--seed=8", "--broken=0.1",
        "--out=" + brokenDir.resolve("day.csv"));
    assertEquals(g.toString(), 0, g.exit);
    Reference broken = Reference.of(List.of(brokenDir.resolve("day.csv")));
    assertThat(broken.read - broken.orders, greaterThan(10L));
    Cli run2 = Cli.run("run", "--spec=testdata/cafe/spec.json",
        "--input=" + brokenDir + "/*.csv", "--output=" + TMP.newFolder("gen-broken-out"),
        "--keyFile=" + keys);
    assertEquals(run2.toString(), 0, run2.exit);
    assertThat(run2.out, containsString("read 400 = written " + broken.orders
        + " + duplicates 0 + rejected " + (broken.read - broken.orders)));
  }

  /** The value, and its plain SHA-256 in hex and base64: what a careless pipeline writes. */
  static List<String> forms(String value) throws Exception {
    byte[] d = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
    return List.of(value, HexFormat.of().formatHex(d),
        Base64.getEncoder().withoutPadding().encodeToString(d),
        Base64.getUrlEncoder().withoutPadding().encodeToString(d));
  }

  /**
   * What the cafe rules say about some files, read here without Sluice: a sale is good when it
   * has seven cells, a dd/MM/yyyy HH:mm time, items "[Regular|Large ]name - price", a total
   * within a cent of their sum, and CASH or CARD.
   */
  static final class Reference {
    private static final Pattern ITEM =
        Pattern.compile("(?:(Regular|Large) )?(.+) - ([0-9]+(?:\\.[0-9]{1,2})?)");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MM/yyyy HH:mm");

    long read;
    long orders;
    long items;
    long quantity;
    BigDecimal takings = BigDecimal.ZERO;
    Set<String> branches = new HashSet<>();
    Set<String> products = new HashSet<>();

    static Reference of(List<Path> files) throws IOException {
      Reference r = new Reference();
      for (Path f : files) {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (!line.isEmpty()) {
            r.read++;
            r.add(line);
          }
        }
      }
      return r;
    }

    private void add(String line) throws IOException {
      List<CSVRecord> recs = CSVFormat.DEFAULT.parse(new StringReader(line)).getRecords();
      if (recs.size() != 1 || recs.get(0).size() != 7) {
        return;
      }
      CSVRecord c = recs.get(0);
      try {
        LocalDateTime.parse(c.get(0), TIME);
      } catch (DateTimeParseException e) {
        return;
      }
      if (c.get(3).isBlank() || !Set.of("CASH", "CARD").contains(c.get(5))) {
        return;
      }
      BigDecimal total;
      try {
        total = new BigDecimal(c.get(4));
      } catch (NumberFormatException e) {
        return;
      }
      BigDecimal sum = BigDecimal.ZERO;
      Set<String> distinct = new HashSet<>();
      List<String> names = new ArrayList<>();
      for (String item : c.get(3).split(",")) {
        Matcher m = ITEM.matcher(item.strip());
        if (!m.matches()) {
          return;
        }
        BigDecimal price = new BigDecimal(m.group(3)).setScale(2);
        sum = sum.add(price);
        String product = m.group(2) + "|" + m.group(1) + "|" + price;
        distinct.add(product);
        names.add(product);
      }
      if (sum.subtract(total).abs().compareTo(new BigDecimal("0.01")) > 0) {
        return;
      }
      orders++;
      items += distinct.size();
      quantity += names.size();
      takings = takings.add(total);
      branches.add(c.get(1));
      products.addAll(distinct);
    }
  }
}
