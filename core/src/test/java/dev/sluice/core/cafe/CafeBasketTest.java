package dev.sluice.core.cafe;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

import java.math.BigDecimal;
import java.util.List;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Baskets cut into items: sizes, prices after the last " - ", and a reason for each fault. */
@RunWith(JUnit4.class)
public class CafeBasketTest {
  private static CafeBasket.Item item(String name, String size, String price) {
    return new CafeBasket.Item(name, size, new BigDecimal(price));
  }

  private static String reason(String basket) {
    try {
      CafeBasket.parse(basket);
    } catch (CafeBasket.BasketException e) {
      return e.getMessage();
    }
    fail("basket '" + basket + "' parsed");
    return null;
  }

  /** The example basket: two sized items. */
  @Test
  public void sizedItems() throws Exception {
    assertEquals(List.of(item("Flat white", "Regular", "2.15"), item("Latte", "Large", "2.45")),
        CafeBasket.parse("Regular Flat white - 2.15, Large Latte - 2.45"));
  }

  /** A name holding " - " keeps it; the price is after the last one. */
  @Test
  public void nameWithSeparator() throws Exception {
    assertEquals(List.of(item("Flavoured iced latte - Vanilla", "Large", "2.85")),
        CafeBasket.parse("Large Flavoured iced latte - Vanilla - 2.85"));
    assertEquals(List.of(item("Speciality Tea - Earl Grey", "Regular", "1.30"),
            item("Croissant", null, "1.75")),
        CafeBasket.parse("Regular Speciality Tea - Earl Grey - 1.30, Croissant - 1.75"));
  }

  /** No size, any case of size, extra spaces, one-decimal prices: all read the same way. */
  @Test
  public void lenientSpacingAndSizeCase() throws Exception {
    assertEquals(List.of(item("Tea", "Regular", "1.20"), item("Cheese toastie", null, "3.20")),
        CafeBasket.parse("  regular   Tea - 1.2 ,Cheese toastie - 3.20 "));
    assertEquals(new BigDecimal("1.20"), CafeBasket.parse("LARGE Tea - 1.2").get(0).price);
    assertEquals("Large", CafeBasket.parse("LARGE Tea - 1.2").get(0).size);
  }

  /** Each broken basket gets its own reason, naming the item by position, never its text. */
  @Test
  public void brokenBaskets() {
    assertEquals("field 'basket' has no items", reason(""));
    assertEquals("field 'basket' has no items", reason(" , ,"));
    assertEquals("basket item 2 is empty", reason("Regular Latte - 2.15, , Regular Tea - 1.20"));
    assertEquals("basket item 1 has no ' - ' before its price", reason("Large Latte 2.45"));
    assertEquals("basket item 2: price is not an amount",
        reason("Regular Tea - 1.20, Large Cappuccino - 2.4S"));
    assertEquals("basket item 1: price is not an amount", reason("Regular Tea - -1.20"));
    assertEquals("basket item 1: price has more than two decimals", reason("Regular Tea - 1.205"));
    assertEquals("basket item 1 has no product name", reason("Large  - 2.45, Tea - 1.20"));
  }
}
