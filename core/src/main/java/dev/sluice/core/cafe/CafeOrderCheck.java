package dev.sluice.core.cafe;

import dev.sluice.core.normalise.RowCheck;
import java.math.BigDecimal;
import java.util.List;
import org.apache.beam.sdk.values.Row;

/**
 * What makes a parsed cafe record unfit to be an order, beyond its field types: a basket that
 * cannot be cut into priced items, a total with more than two decimals or one that differs from
 * the sum of its items by more than a cent, a payment type the spec does not name ({@code CASH}
 * or {@code CARD} by default), a digit in a field split off the card field. Times that do not parse never get here: the parser rejects them.
 */
public final class CafeOrderCheck implements RowCheck {
  static final BigDecimal ONE_CENT = new BigDecimal("0.01");

  private final CafeSettings settings;

  /** The Super Cafe tills' format. */
  public CafeOrderCheck() {
    this(CafeSettings.DEFAULT);
  }

  public CafeOrderCheck(CafeSettings settings) {
    this.settings = settings;
  }

  @Override
  public java.util.Set<String> hiddenInView() {
    return java.util.Set.copyOf(settings.cardDerivedFields);
  }

  @Override
  public String problem(Row parsed) {
    List<CafeBasket.Item> items;
    try {
      items = CafeBasket.parse(parsed.getString(NormaliseCafeOrders.BASKET), settings);
    } catch (CafeBasket.BasketException e) {
      return e.getMessage();
    }
    BigDecimal total = parsed.getDecimal(NormaliseCafeOrders.TOTAL);
    if (total == null) {
      return "field 'total' is required but missing";
    }
    if (total.signum() < 0) {
      return "field 'total' is negative";
    }
    if (total.stripTrailingZeros().scale() > 2) {
      return "field 'total' has more than two decimals";
    }
    BigDecimal sum = BigDecimal.ZERO;
    for (CafeBasket.Item i : items) {
      sum = sum.add(i.price);
    }
    BigDecimal off = sum.subtract(total).abs();
    if (off.compareTo(ONE_CENT) > 0) {
      return "field 'total' differs from the sum of its " + items.size() + " item"
          + (items.size() == 1 ? "" : "s") + " by " + off.setScale(2).toPlainString()
          + " (more than a cent)";
    }
    String pay = parsed.getString(NormaliseCafeOrders.PAYMENT_TYPE);
    if (!settings.paymentTypes.contains(pay)) {
      return "field 'payment_type' must be " + String.join(" or ", settings.paymentTypes);
    }
    for (String f : settings.cardDerivedFields) {
      String v = parsed.getString(f);
      if (v != null && v.chars().anyMatch(Character::isDigit)) {
        // Split off the card field and stored as it is: a number here would be stored raw.
        return "field '" + f + "' (from card field '" + settings.cardField + "') holds digits;"
            + " a card number is never stored";
      }
    }
    return null;
  }
}
