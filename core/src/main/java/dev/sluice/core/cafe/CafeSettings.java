package dev.sluice.core.cafe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldSpec;
import dev.sluice.core.spec.Names;
import dev.sluice.core.spec.PiiAction;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * How one cafe chain writes its sales, from the spec's {@code normalise} object: how a basket
 * is laid out, its separators and size words, the payment types, and which field holds card
 * details. Small and serializable: the normaliser's DoFns and the row check carry it.
 *
 * <pre>{@code
 * "normalise": {"kind": "cafe_orders",
 *   "basket": {"layout": "triples", "separator": ",", "sizes": ["Regular", "Large"]},
 *   "card_field": "card"}
 * }</pre>
 *
 * <p>Without settings ({@code "normalise": "cafe_orders"}) the Super Cafe tills' format
 * applies: items at commas, the price after the last {@code " - "}, sizes Regular and Large,
 * CASH or CARD, card details in {@code card_number}.
 */
public final class CafeSettings implements Serializable {
  /** How the items of a basket are written. */
  public enum Layout {
    /** {@code Large Latte - 2.45, Croissant - 1.75}: optional size word, name, separator, price. */
    ITEMS,
    /** {@code Large,Latte,2.45,,Croissant,1.75}: size (may be empty), name and price, repeated. */
    TRIPLES
  }

  public static final CafeSettings DEFAULT =
      new CafeSettings(Layout.ITEMS, ",", " - ", List.of("Regular", "Large"),
          List.of("CASH", "CARD"), "card_number", List.of());

  public final Layout layout;
  /** Between items (ITEMS) or between every value (TRIPLES). */
  public final String itemSeparator;
  /** Between an item's name and its price (ITEMS only). */
  public final String priceSeparator;
  /** The size words, spelled as they are to be stored; matched ignoring case. */
  public final List<String> sizes;
  public final List<String> paymentTypes;
  /** The field that holds card details; it must be dropped or masked. */
  public final String cardField;
  /**
   * Unprotected fields derived from the card field (a brand split off {@code "Visa,4111..."}):
   * a value of one that holds a digit makes the record a dead letter, so a number in the wrong
   * place is never stored.
   */
  public final List<String> cardDerivedFields;

  private CafeSettings(Layout layout, String itemSeparator, String priceSeparator,
      List<String> sizes, List<String> paymentTypes, String cardField,
      List<String> cardDerivedFields) {
    this.layout = layout;
    this.itemSeparator = itemSeparator;
    this.priceSeparator = priceSeparator;
    this.sizes = List.copyOf(sizes);
    this.paymentTypes = List.copyOf(paymentTypes);
    this.cardField = cardField;
    this.cardDerivedFields = List.copyOf(cardDerivedFields);
  }

  /** The settings of a spec; throws {@link IllegalArgumentException} naming the problem. */
  public static CafeSettings of(FeedSpec spec) {
    Layout layout = DEFAULT.layout;
    String itemSeparator = DEFAULT.itemSeparator;
    String priceSeparator = DEFAULT.priceSeparator;
    List<String> sizes = DEFAULT.sizes;
    List<String> payments = DEFAULT.paymentTypes;
    String cardField = null;
    if (spec.normaliseSettings != null) {
      JsonNode root;
      try {
        root = new ObjectMapper().readTree(spec.normaliseSettings);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("settings are not JSON");
      }
      allowOnly(root, "", "basket", "payment_types", "card_field");
      JsonNode basket = root.path("basket");
      if (!basket.isMissingNode()) {
        if (!basket.isObject()) {
          throw new IllegalArgumentException("basket: must be an object");
        }
        allowOnly(basket, "basket.", "layout", "separator", "item_separator",
            "price_separator", "sizes");
        String l = text(basket, "layout", "items");
        try {
          layout = Layout.valueOf(l.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("basket.layout: unknown layout '"
              + Names.printable(l) + "' (items or triples)");
        }
        if (basket.has("separator") && basket.has("item_separator")) {
          throw new IllegalArgumentException("basket: give separator or item_separator, not both");
        }
        itemSeparator = text(basket, basket.has("separator") ? "separator" : "item_separator",
            itemSeparator);
        priceSeparator = text(basket, "price_separator", priceSeparator);
        if (layout == Layout.TRIPLES && basket.has("price_separator")) {
          throw new IllegalArgumentException("basket.price_separator: triples have none; their"
              + " values are all separated by basket.separator");
        }
        if (itemSeparator.isEmpty() || priceSeparator.isEmpty()) {
          throw new IllegalArgumentException("basket: separators must not be empty");
        }
        if (layout == Layout.ITEMS && itemSeparator.contains(priceSeparator.strip())
            && !priceSeparator.isBlank()) {
          throw new IllegalArgumentException("basket: the item separator must not hold the"
              + " price separator");
        }
        if (basket.has("sizes")) {
          sizes = strings(basket, "sizes", "basket.sizes");
          for (String s : sizes) {
            if (s.isBlank() || s.contains(itemSeparator)) {
              throw new IllegalArgumentException("basket.sizes: a size word is not blank and"
                  + " holds no separator");
            }
          }
        }
      }
      if (root.has("payment_types")) {
        payments = strings(root, "payment_types", "payment_types");
        if (payments.isEmpty()) {
          throw new IllegalArgumentException("payment_types: name at least one");
        }
      }
      if (root.has("card_field")) {
        cardField = text(root, "card_field", null);
        if (spec.field(cardField) == null) {
          throw new IllegalArgumentException("card_field: names no field ('"
              + Names.printable(cardField) + "')");
        }
      }
    }
    if (cardField == null) {
      cardField = DEFAULT.cardField;
    }
    List<String> derived = new ArrayList<>();
    FieldSpec card = spec.field(cardField);
    if (card != null) {
      if (card.pii != PiiAction.DROP && card.pii != PiiAction.MASK) {
        throw new IllegalArgumentException("card field '" + cardField + "' must be \"pii\":"
            + " \"drop\" or \"mask\"; a card number is never stored");
      }
      for (FieldSpec f : spec.fields) {
        if (f.isDerived() && f.split.from.equals(cardField) && f.pii == PiiAction.NONE) {
          derived.add(f.name);
        }
      }
    }
    return new CafeSettings(layout, itemSeparator, priceSeparator, sizes, payments, cardField,
        derived);
  }

  /** The spelling the spec gives a size word, or null when {@code word} is none of them. */
  String size(String word) {
    for (String s : sizes) {
      if (s.equalsIgnoreCase(word)) {
        return s;
      }
    }
    return null;
  }

  private static void allowOnly(JsonNode node, String path, String... keys) {
    Set<String> allowed = new HashSet<>(List.of(keys));
    Iterator<String> it = node.fieldNames();
    while (it.hasNext()) {
      String k = it.next();
      if (!allowed.contains(k)) {
        throw new IllegalArgumentException(path + Names.printable(k) + ": unknown setting ("
            + String.join(", ", keys) + ")");
      }
    }
  }

  private static String text(JsonNode node, String key, String dflt) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return dflt;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException(key + ": must be a string");
    }
    return v.asText();
  }

  private static List<String> strings(JsonNode node, String key, String path) {
    JsonNode v = node.get(key);
    List<String> out = new ArrayList<>();
    if (!v.isArray()) {
      throw new IllegalArgumentException(path + ": must be a list of strings");
    }
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw new IllegalArgumentException(path + ": must be a list of strings");
      }
      out.add(e.asText());
    }
    return out;
  }
}
