package dev.sluice.transforms.cafe;

import dev.sluice.transforms.normalise.RowCheck;
import java.math.BigDecimal;
import java.util.List;
import org.apache.beam.sdk.values.Row;

/**
 * What makes a parsed cafe record unfit to be an order, beyond its field types: a basket that
 * cannot be cut into priced items, a total with more than two decimals or one that differs from
 * the sum of its items by more than a cent, a payment type other than {@code CASH} or
 * {@code CARD}. Times that do not parse never get here: the parser rejects them.
 */
public final class CafeOrderCheck implements RowCheck {
  static final BigDecimal ONE_CENT = new BigDecimal("0.01");

  @Override
  public String problem(Row parsed) {
    List<CafeBasket.Item> items;
    try {
      items = CafeBasket.parse(parsed.getString(NormaliseCafeOrders.BASKET));
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
    if (!NormaliseCafeOrders.PAYMENT_TYPES.contains(pay)) {
      return "field 'payment_type' must be CASH or CARD";
    }
    return null;
  }
}
