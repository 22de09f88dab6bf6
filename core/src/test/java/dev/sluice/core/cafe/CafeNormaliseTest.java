package dev.sluice.core.cafe;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

import dev.sluice.core.DeadLetters;
import dev.sluice.core.DropDuplicates;
import dev.sluice.core.Fixtures;
import dev.sluice.core.ParseRecords;
import dev.sluice.core.ProtectPii;
import dev.sluice.core.model.DeadLetter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The shipped cafe feed through ParseRecords (with its order check), ProtectPii, DropDuplicates
 * and NormaliseCafeOrders: exact rows of the four tables, with keys worked out here from the
 * documented derivation (SHA-256 straight from the JDK), and a reason for every broken sale.
 */
@RunWith(JUnit4.class)
public class CafeNormaliseTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final FeedSpec SPEC = Fixtures.shippedSpec("cafe");
  private static final Protector PROTECTOR = new Protector(Fixtures.keys());

  /** Five good sales: two identical ones at Leeds, one total a cent off its items. */
  private static final String[] GOOD = {
    "25/08/2021 09:00,Chesterfield,Richard Copeland,\"Regular Flat white - 2.15, Large Latte -"
        + " 2.45\",4.60,CARD,5494173772652516",
    "25/08/2021 09:05,Chesterfield,Scott Owens,\"Large Latte - 2.45, Large Latte - 2.45,"
        + " Regular Tea - 1.20\",6.10,CASH,",
    "25/08/2021 10:15,Leeds,Tom Hardy,\"Regular Tea - 1.20\",1.20,CASH,",
    "25/08/2021 10:15,Leeds,Eve Moss,\"Regular Tea - 1.20\",1.20,CASH,",
    "25/08/2021 10:20,Leeds,\"Lee, Ann\",\"Large Flavoured iced latte - Vanilla - 2.85,"
        + " Croissant - 1.75\",4.61,CARD,4111111111111111",
  };

  /** One of each kind of broken sale, with the reason the dead letter must give. */
  private static final String[][] BROKEN = {
    {"25/08/2021 11:02,Chesterfield,Harold Finch,\"Regular Latte - 2.15, Large Mocha - 2.70\","
        + "4.95,CARD,4929120638473310",
        "validate", "field 'total' differs from the sum of its 2 items by 0.10 (more than a cent)"},
    {"2021-08-25 11:15,Chesterfield,Joan Watson,\"Regular Tea - 1.20\",1.20,CASH,",
        "validate", "field 'ordered_at': expected a timestamp (dd/MM/yyyy HH:mm), got text that"
        + " is not"},
    {"31/02/2021 11:20,Chesterfield,Joan Watson,\"Regular Tea - 1.20\",1.20,CASH,",
        "validate", "field 'ordered_at': expected a timestamp (dd/MM/yyyy HH:mm), got text that"
        + " is not"},
    {"25/08/2021 11:40,Chesterfield,Sam Reese,\"Large Cappuccino - 2.4S, Regular Tea - 1.20\","
        + "3.65,CARD,5425233430109903",
        "validate", "basket item 1: price is not an amount"},
    {"25/08/2021 12:05,Chesterfield,Lionel Fusco,\"\",0.00,CASH,",
        "validate", "field 'basket' is required but empty"},
    {"25/08/2021 12:06,Chesterfield,Lionel Fusco,\" , \",0.00,CASH,",
        "validate", "field 'basket' has no items"},
    {"25/08/2021 12:31,Chesterfield,Carla Dunn,\"Regular Flat white - 2.15\"",
        "parse", "row has 4 values; the spec's format.columns has 7"},
    {"25/08/2021 10:05,Leeds,Ben Ames,\"Large Latte - 2.45\",2.45,VOUCHER,",
        "validate", "field 'payment_type' must be CASH or CARD"},
    {"25/08/2021 11:30,Leeds,Tara Mills,\"Large Latte 2.45, Regular Tea - 1.20\",3.65,CARD,"
        + "5555555555554444",
        "validate", "basket item 1 has no ' - ' before its price"},
    {"25/08/2021 12:45,Leeds,Omar Farah,\"Regular Tea - 1.20\",£1.20,CASH,",
        "validate", "field 'total': expected a number, got text that is not"},
  };

  private static final List<String> PERSONAL = List.of("Richard Copeland", "Scott Owens",
      "Tom Hardy", "Eve Moss", "Lee, Ann", "Harold Finch", "Joan Watson", "Sam Reese",
      "Lionel Fusco", "Carla Dunn", "Ben Ames", "Tara Mills", "Omar Farah", "5494173772652516",
      "4111111111111111", "4929120638473310", "5425233430109903", "5555555555554444");

  private static List<RawRecord> records(String file, String... lines) {
    List<RawRecord> out = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      out.add(RawRecord.of(lines[i].getBytes(StandardCharsets.UTF_8), file + ":" + (i + 1)));
    }
    return out;
  }

  /** The documented key: hex of the first 16 bytes of SHA-256 of kind and parts, NUL-joined. */
  private static String key(String kind, String... parts) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    StringBuilder b = new StringBuilder(kind);
    for (String part : parts) {
      b.append('\u0000').append(part);
    }
    return HexFormat.of().formatHex(sha.digest(b.toString().getBytes(StandardCharsets.UTF_8)),
        0, 16);
  }

  private static Row row(org.apache.beam.sdk.schemas.Schema schema, Object... values) {
    return Row.withSchema(schema).addValues(values).build();
  }

  /** Good sales become rows of four tables with natural keys; identical sales two orders. */
  @Test
  public void goodSalesBecomeRowsOfFourTables() throws Exception {
    PCollectionTuple parsed =
        p.apply(Create.of(records("/in/day.csv", GOOD)).withCoder(RawRecord.RawRecordCoder.of()))
            .apply(ParseRecords.of(SPEC).withProtector(PROTECTOR));
    PCollection<Row> unique = parsed.get(ParseRecords.ROWS)
        .apply(ProtectPii.of(SPEC).withProtector(PROTECTOR))
        .apply(DropDuplicates.forFeed(SPEC)).get(DropDuplicates.UNIQUE);
    PCollectionTuple t = unique.apply(new NormaliseCafeOrders());

    String ches = key("branch", "Chesterfield");
    String leeds = key("branch", "Leeds");
    String flatWhite = key("product", "Flat white", "Regular", "2.15");
    String latte = key("product", "Latte", "Large", "2.45");
    String tea = key("product", "Tea", "Regular", "1.20");
    String vanilla = key("product", "Flavoured iced latte - Vanilla", "Large", "2.85");
    String croissant = key("product", "Croissant", "", "1.75");
    // 09:00 in London in August is 08:00 UTC.
    String o1 = key("order", ches, "2021-08-25T08:00:00Z", "CARD", "4.60", flatWhite, latte, "0");
    String o2 = key("order", ches, "2021-08-25T08:05:00Z", "CASH", "6.10", latte, latte, tea,
        "0");
    String o3 = key("order", leeds, "2021-08-25T09:15:00Z", "CASH", "1.20", tea, "0");
    String o4 = key("order", leeds, "2021-08-25T09:15:00Z", "CASH", "1.20", tea, "1");
    String o5 = key("order", leeds, "2021-08-25T09:20:00Z", "CARD", "4.61", vanilla, croissant,
        "0");

    var b = NormaliseCafeOrders.BRANCHES_TABLE.schema();
    var pr = NormaliseCafeOrders.PRODUCTS_TABLE.schema();
    var o = NormaliseCafeOrders.ORDERS_TABLE.schema();
    var i = NormaliseCafeOrders.ORDER_ITEMS_TABLE.schema();
    PAssert.that(t.get(NormaliseCafeOrders.BRANCHES)).containsInAnyOrder(
        row(b, ches, "Chesterfield"), row(b, leeds, "Leeds"));
    PAssert.that(t.get(NormaliseCafeOrders.PRODUCTS)).containsInAnyOrder(
        row(pr, flatWhite, "Flat white", "Regular", new BigDecimal("2.15")),
        row(pr, latte, "Latte", "Large", new BigDecimal("2.45")),
        row(pr, tea, "Tea", "Regular", new BigDecimal("1.20")),
        row(pr, vanilla, "Flavoured iced latte - Vanilla", "Large", new BigDecimal("2.85")),
        row(pr, croissant, "Croissant", null, new BigDecimal("1.75")));
    PAssert.that(t.get(NormaliseCafeOrders.ORDERS)).containsInAnyOrder(
        row(o, o1, ches, Instant.parse("2021-08-25T08:00:00Z"), new BigDecimal("4.60"), "CARD"),
        row(o, o2, ches, Instant.parse("2021-08-25T08:05:00Z"), new BigDecimal("6.10"), "CASH"),
        row(o, o3, leeds, Instant.parse("2021-08-25T09:15:00Z"), new BigDecimal("1.20"), "CASH"),
        row(o, o4, leeds, Instant.parse("2021-08-25T09:15:00Z"), new BigDecimal("1.20"), "CASH"),
        row(o, o5, leeds, Instant.parse("2021-08-25T09:20:00Z"), new BigDecimal("4.61"),
            "CARD"));
    PAssert.that(t.get(NormaliseCafeOrders.ORDER_ITEMS)).containsInAnyOrder(
        row(i, o1, flatWhite, 1), row(i, o1, latte, 1),
        row(i, o2, latte, 2), row(i, o2, tea, 1),
        row(i, o3, tea, 1), row(i, o4, tea, 1),
        row(i, o5, vanilla, 1), row(i, o5, croissant, 1));
    PAssert.that(parsed.get(DeadLetters.TAG)).empty();
    p.run().waitUntilFinish();
  }

  /**
   * Each broken sale is a dead letter with its own reason and origin, its payload encrypted and
   * recoverable, and no customer name or card number in reason or view; good ones pass.
   */
  @Test
  public void brokenSalesBecomeDeadLettersWithoutNamesOrCards() {
    List<String> lines = new ArrayList<>(List.of(GOOD));
    List<String> expected = new ArrayList<>();
    for (String[] bad : BROKEN) {
      lines.add(bad[0]);
      expected.add("/in/day.csv:" + lines.size() + " " + bad[1] + " " + bad[2]);
    }
    PCollectionTuple parsed =
        p.apply(Create.of(records("/in/day.csv", lines.toArray(new String[0])))
                .withCoder(RawRecord.RawRecordCoder.of()))
            .apply(ParseRecords.of(SPEC).withProtector(PROTECTOR));
    PCollection<DeadLetter> dead = parsed.get(DeadLetters.TAG);

    PAssert.that(dead.apply("Summary", MapElements.into(TypeDescriptors.strings())
            .via(d -> d.origin() + " " + d.stage() + " " + d.reason())))
        .containsInAnyOrder(expected);
    PAssert.that(dead.apply("Payload", MapElements.into(TypeDescriptors.strings())
            .via(d -> PROTECTOR.decrypt(Protector.PAYLOAD_FIELD, d.payloadToken()))))
        .containsInAnyOrder(List.of(BROKEN).stream().map(x -> x[0]).toArray(String[]::new));
    PAssert.that(dead).satisfies(all -> {
      for (DeadLetter d : all) {
        String visible = d.reason() + " " + d.origin() + " " + d.protectedRecord();
        for (String personal : PERSONAL) {
          assertFalse(personal + " in " + visible, visible.contains(personal));
        }
      }
      return null;
    });
    PAssert.that(parsed.get(ParseRecords.ROWS).apply("Count", Count.globally()))
        .containsInAnyOrder(5L);
    PAssert.that(parsed.get(ParseRecords.ROWS)).satisfies(all -> {
      for (Row r : all) {
        for (String personal : PERSONAL) {
          assertFalse(personal + " in " + r, r.toString().contains(personal));
        }
      }
      return null;
    });
    p.run().waitUntilFinish();
  }

  /** Dropped fields are not even columns of the parsed or output rows. */
  @Test
  public void namesAndCardsAreNoColumns() {
    assertFalse(SPEC.parsedSchema().hasField("customer_name"));
    assertFalse(SPEC.parsedSchema().hasField("card_number"));
    assertFalse(SPEC.outputSchema().hasField("customer_name"));
    assertFalse(SPEC.outputSchema().hasField("card_number"));
    assertEquals("cafe_orders", SPEC.normalise);
  }
}
