package dev.sluice.core.cafe;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.fail;

import dev.sluice.core.normalise.Normalisers;
import dev.sluice.core.normalise.RowCheck;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.SpecException;
import java.math.BigDecimal;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.joda.time.Instant;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Basket layouts, separators, size words, payment types and the card field from the spec. */
@RunWith(JUnit4.class)
public class CafeSettingsTest {
  private static CafeBasket.Item item(String name, String size, String price) {
    return new CafeBasket.Item(name, size, new BigDecimal(price));
  }

  /** A cafe spec with the given normalise settings (null: the name only) and card field. */
  private static String specJson(String settings, String cardPii, String extraField) {
    return "{\"name\": \"c\", \"format\": {\"type\": \"csv\", \"header\": true}, \"fields\": ["
        + "{\"name\": \"ordered_at\", \"type\": \"timestamp\", \"zone\": \"Europe/London\","
        + " \"required\": true},"
        + "{\"name\": \"branch\", \"required\": true},"
        + "{\"name\": \"basket\", \"required\": true},"
        + "{\"name\": \"total\", \"type\": \"decimal\", \"required\": true},"
        + "{\"name\": \"payment_type\", \"required\": true},"
        + "{\"name\": \"card\"" + (cardPii == null ? "" : ", \"pii\": \"" + cardPii + "\"") + "}"
        + (extraField == null ? "" : ", " + extraField)
        + "], \"normalise\": " + (settings == null ? "\"cafe_orders\""
            : "{\"kind\": \"cafe_orders\", " + settings + "}") + "}";
  }

  private static FeedSpec spec(String settings) {
    return FeedSpec.parse(specJson(settings, "drop", null), "test");
  }

  private static CafeSettings settings(String json) {
    return CafeSettings.of(spec(json));
  }

  private static String reason(String basket, CafeSettings s) {
    try {
      CafeBasket.parse(basket, s);
    } catch (CafeBasket.BasketException e) {
      return e.getMessage();
    }
    fail("basket '" + basket + "' parsed");
    return null;
  }

  /** The older export's triples: size (empty for none, any case), name, price, repeated. */
  @Test
  public void triples() throws Exception {
    CafeSettings s = settings("\"basket\": {\"layout\": \"triples\", \"separator\": \",\"},"
        + " \"card_field\": \"card\"");
    assertEquals(List.of(item("Hot chocolate", "Large", "2.90"), item("Croissant", null, "1.75"),
            item("Flavoured iced latte - Hazelnut", "Regular", "2.85")),
        CafeBasket.parse("large,Hot chocolate,2.9,,Croissant,1.75,Regular, Flavoured iced"
            + "  latte - Hazelnut ,2.85", s));
    assertEquals("field 'basket' has 5 values; as (size, name, price) triples it needs a"
        + " multiple of 3", reason("Large,Latte,2.45,Regular,Tea", s));
    assertEquals("basket item 1: size is not one of the spec's sizes (Regular, Large)",
        reason("Medium,Latte,2.30", s));
    assertEquals("basket item 2 has no product name", reason("Large,Latte,2.45,Large, ,1.00", s));
    assertEquals("basket item 1: price is not an amount", reason(",Latte,2.4S", s));
    assertEquals("field 'basket' has no items", reason(",,", s));
  }

  /** Items with other separators and multi-word size words; the spec's spelling is kept. */
  @Test
  public void itemsWithOtherSeparatorsAndSizes() throws Exception {
    CafeSettings s = settings("\"basket\": {\"item_separator\": \";\", \"price_separator\":"
        + " \" @ \", \"sizes\": [\"Small\", \"Extra large\", \"Extra\"]}");
    assertEquals(List.of(item("Latte", "Extra large", "3.10"), item("Shot", "Extra", "0.50"),
            item("Flat white, oat", "Small", "2.00"), item("Tea @ home", null, "1.20")),
        CafeBasket.parse("EXTRA LARGE Latte @ 3.10; extra Shot @ 0.5;Small Flat white, oat @ 2;"
            + " Tea @ home @ 1.20", s));
    assertEquals("basket item 1 has no ' @ ' before its price", reason("Latte - 2.10", s));
    // The shipped default is unchanged: Regular and Large only.
    assertEquals(List.of(item("Medium Latte", null, "2.30")),
        CafeBasket.parse("Medium Latte - 2.30"));
  }

  /** Settings mistakes fail the spec at start, naming the setting. */
  @Test
  public void mistakesAreNamed() {
    assertSpecFails(specJson("\"basket\": {\"layout\": \"pairs\"}", "drop", null),
        "test: normalise: basket.layout: unknown layout 'pairs' (items or triples)");
    assertSpecFails(specJson("\"basket\": {\"colour\": 1}", "drop", null),
        "test: normalise: basket.colour: unknown setting");
    assertSpecFails(specJson("\"basket\": {\"layout\": \"triples\", \"price_separator\":"
        + " \"-\"}", "drop", null), "basket.price_separator: triples have none");
    assertSpecFails(specJson("\"card_field\": \"cards\"", "drop", null),
        "test: normalise: card_field: names no field ('cards')");
    assertSpecFails(specJson("\"card_field\": \"card\"", null, null),
        "test: normalise: card field 'card' must be \"pii\": \"drop\" or \"mask\"");
    assertSpecFails(specJson("\"card_field\": \"card\"", "hash", null),
        "card field 'card' must be");
    assertSpecFails(specJson("\"payment_types\": []", "drop", null),
        "test: normalise: payment_types: name at least one");
    assertSpecFails("{\"name\": \"c\", \"format\": \"json\", \"fields\": [{\"name\": \"a\"}],"
        + " \"normalise\": {\"basket\": {}}}", "test: normalise.kind: missing (cafe_orders)");
  }

  private static void assertSpecFails(String json, String expected) {
    try {
      FeedSpec.parse(json, "test");
      fail("spec accepted: " + json);
    } catch (SpecException e) {
      assertThat(e.getMessage(), containsString(expected));
    }
  }

  /**
   * The row check takes the spec's payment types, and refuses digits in an unprotected field
   * split off the card field (a number where the brand should be would be stored raw).
   */
  @Test
  public void rowCheckUsesPaymentTypesAndGuardsTheCardField() {
    String brand = "{\"name\": \"card_brand\", \"derive\": {\"split\": {\"from\": \"card\","
        + " \"separator\": \",\", \"index\": 0}}}";
    FeedSpec spec = FeedSpec.parse(specJson("\"basket\": {\"layout\": \"triples\"},"
        + " \"payment_types\": [\"CASH\", \"CARD\", \"VOUCHER\"], \"card_field\": \"card\"",
        "drop", brand), "test");
    assertEquals(List.of("card_brand"), CafeSettings.of(spec).cardDerivedFields);
    RowCheck check = Normalisers.checkFor(spec);
    Schema schema = spec.parsedSchema();
    Instant t = new Instant(0);
    assertNull(check.problem(Row.withSchema(schema)
        .addValues(t, "Leeds", "Large,Latte,2.45", new BigDecimal("2.45"), "VOUCHER", "Visa", "sid")
        .build()));
    assertEquals("field 'card_brand' (from card field 'card') holds digits; a card number is"
        + " never stored", check.problem(Row.withSchema(schema)
        .addValues(t, "Leeds", "Large,Latte,2.45", new BigDecimal("2.45"), "CARD",
            "4532015112830366", "sid").build()));
    assertEquals("field 'payment_type' must be CASH or CARD or VOUCHER",
        check.problem(Row.withSchema(schema)
            .addValues(t, "Leeds", "Large,Latte,2.45", new BigDecimal("2.45"), "IOU", null, "sid")
            .build()));
    // Without settings: the tills' format and CASH or CARD, as before.
    RowCheck dflt = Normalisers.checkFor(spec(null));
    assertEquals("field 'payment_type' must be CASH or CARD", dflt.problem(
        Row.withSchema(spec(null).parsedSchema()).addValues(t, "Leeds", "Large Latte - 2.45",
            new BigDecimal("2.45"), "VOUCHER", "sid").build()));
  }
}
