package dev.sluice.core.cafe;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Super Cafe basket such as {@code Regular Flat white - 2.15, Large Flavoured iced latte -
 * Vanilla - 2.85} cut into items: items are separated by commas; in each, the price follows the
 * last {@code " - "}, an optional size ({@code Regular} or {@code Large}) comes first, and the
 * rest is the product name, which may itself hold {@code " - "}. Product names cannot hold
 * commas (the tills never write one). Other chains' layouts, separators and size words come
 * from the spec ({@link CafeSettings}).
 *
 * <pre>{@code
 * List<CafeBasket.Item> items = CafeBasket.parse("Large Latte - 2.45, Croissant - 1.75");
 * }</pre>
 */
public final class CafeBasket {

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

  /** The items in basket order, in the Super Cafe tills' format ({@link CafeSettings#DEFAULT}). */
  public static List<Item> parse(String basket) throws BasketException {
    return parse(basket, CafeSettings.DEFAULT);
  }

  /** The items in basket order; fails on an empty basket, item, name, size or a bad price. */
  public static List<Item> parse(String basket, CafeSettings settings) throws BasketException {
    if (basket == null || basket.isBlank()) {
      throw new BasketException("field 'basket' has no items");
    }
    String[] parts = basket.split(Pattern.quote(settings.itemSeparator), -1);
    boolean anything = false;
    for (String part : parts) {
      anything |= !part.isBlank();
    }
    if (!anything) {
      throw new BasketException("field 'basket' has no items");
    }
    if (settings.layout == CafeSettings.Layout.TRIPLES) {
      return triples(parts, settings);
    }
    List<Item> items = new ArrayList<>(parts.length);
    for (int i = 0; i < parts.length; i++) {
      items.add(item(parts[i], i + 1, settings));
    }
    return items;
  }

  /** {@code size,name,price} repeated; an empty size is an item without one. */
  private static List<Item> triples(String[] values, CafeSettings settings)
      throws BasketException {
    if (values.length % 3 != 0) {
      throw new BasketException("field 'basket' has " + values.length + " values; as"
          + " (size, name, price) triples it needs a multiple of 3");
    }
    List<Item> items = new ArrayList<>(values.length / 3);
    for (int i = 0; i < values.length; i += 3) {
      int n = i / 3 + 1;
      String sizeWord = values[i].strip();
      String size = null;
      if (!sizeWord.isEmpty()) {
        size = settings.size(sizeWord);
        if (size == null) {
          throw new BasketException("basket item " + n + ": size is not one of the spec's"
              + " sizes (" + String.join(", ", settings.sizes) + ")");
        }
      }
      String name = values[i + 1].strip().replaceAll("\\s+", " ");
      if (name.isEmpty()) {
        throw new BasketException("basket item " + n + " has no product name");
      }
      items.add(new Item(name, size, price(values[i + 2].strip(), n)));
    }
    return items;
  }

  private static Item item(String raw, int n, CafeSettings settings) throws BasketException {
    String text = raw.strip().replaceAll("\\s+", " ");
    if (text.isEmpty()) {
      throw new BasketException("basket item " + n + " is empty");
    }
    String sep = settings.priceSeparator;
    int at = text.lastIndexOf(sep);
    if (at < 0) {
      throw new BasketException("basket item " + n + " has no '" + sep + "' before its price");
    }
    BigDecimal price = price(text.substring(at + sep.length()).strip(), n);
    String rest = text.substring(0, at).strip();
    String size = null;
    // The longest size word the item starts with, as a whole word ("Extra large" over "Extra").
    for (String s : settings.sizes) {
      String word = s.strip().replaceAll("\\s+", " ");
      boolean starts = rest.regionMatches(true, 0, word, 0, word.length())
          && (rest.length() == word.length() || rest.charAt(word.length()) == ' ');
      if (starts && (size == null || word.length() > size.length())) {
        size = s;
      }
    }
    if (size != null) {
      rest = rest.substring(size.strip().replaceAll("\\s+", " ").length()).strip();
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
