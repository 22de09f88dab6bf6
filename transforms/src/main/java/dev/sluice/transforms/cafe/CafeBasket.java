package dev.sluice.transforms.cafe;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Super Cafe basket such as {@code Regular Flat white - 2.15, Large Flavoured iced latte -
 * Vanilla - 2.85} cut into items: items are separated by commas; in each, the price follows the
 * last {@code " - "}, an optional size ({@code Regular} or {@code Large}) comes first, and the
 * rest is the product name, which may itself hold {@code " - "}. Product names cannot hold
 * commas (the tills never write one).
 *
 * <pre>{@code
 * List<CafeBasket.Item> items = CafeBasket.parse("Large Latte - 2.45, Croissant - 1.75");
 * }</pre>
 */
public final class CafeBasket {
  private static final String PRICE_SEPARATOR = " - ";
  private static final Pattern SIZE =
      Pattern.compile("^(regular|large)(?:\\s+(.*))?$", Pattern.CASE_INSENSITIVE);

  private CafeBasket() {}

  /** One item: product name, size (null when the till gave none) and price (scale 2). */
  public static final class Item {
    public final String name;
    public final String size;
    public final BigDecimal price;

    public Item(String name, String size, BigDecimal price) {
      this.name = name;
      this.size = size;
      this.price = price;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Item)) {
        return false;
      }
      Item i = (Item) o;
      return name.equals(i.name) && Objects.equals(size, i.size) && price.equals(i.price);
    }

    @Override
    public int hashCode() {
      return Objects.hash(name, size, price);
    }

    @Override
    public String toString() {
      return (size == null ? "" : size + " ") + name + " - " + price.toPlainString();
    }
  }

  /** Why a basket cannot be cut into items; the message names the item, never its text. */
  public static final class BasketException extends Exception {
    BasketException(String reason) {
      super(reason, null, false, false);
    }
  }

  /** The items in basket order; fails on an empty basket, item, name or a bad price. */
  public static List<Item> parse(String basket) throws BasketException {
    if (basket == null || basket.isBlank()) {
      throw new BasketException("field 'basket' has no items");
    }
    String[] parts = basket.split(",", -1);
    boolean anything = false;
    for (String part : parts) {
      anything |= !part.isBlank();
    }
    if (!anything) {
      throw new BasketException("field 'basket' has no items");
    }
    List<Item> items = new ArrayList<>(parts.length);
    for (int i = 0; i < parts.length; i++) {
      items.add(item(parts[i], i + 1));
    }
    return items;
  }

  private static Item item(String raw, int n) throws BasketException {
    String text = raw.strip().replaceAll("\\s+", " ");
    if (text.isEmpty()) {
      throw new BasketException("basket item " + n + " is empty");
    }
    int at = text.lastIndexOf(PRICE_SEPARATOR);
    if (at < 0) {
      throw new BasketException("basket item " + n + " has no ' - ' before its price");
    }
    BigDecimal price = price(text.substring(at + PRICE_SEPARATOR.length()).strip(), n);
    String rest = text.substring(0, at).strip();
    String size = null;
    Matcher m = SIZE.matcher(rest);
    if (m.matches()) {
      size = m.group(1).substring(0, 1).toUpperCase(Locale.ROOT)
          + m.group(1).substring(1).toLowerCase(Locale.ROOT);
      rest = m.group(2) == null ? "" : m.group(2).strip();
    }
    if (rest.isEmpty()) {
      throw new BasketException("basket item " + n + " has no product name");
    }
    return new Item(rest, size, price);
  }

  private static BigDecimal price(String text, int n) throws BasketException {
    if (!text.matches("[0-9]+(\\.[0-9]+)?")) {
      throw new BasketException("basket item " + n + ": price is not an amount");
    }
    BigDecimal p = new BigDecimal(text);
    if (p.stripTrailingZeros().scale() > 2) {
      throw new BasketException("basket item " + n + ": price has more than two decimals");
    }
    return p.setScale(2);
  }
}
