package dev.sluice.io.jdbc;

import java.util.List;

/**
 * The views over the {@code cafe_orders} tables that answer the questions Super Cafe asked.
 * Days and hours are the branch's wall-clock time (the zone of the spec's {@code ordered_at}).
 *
 * <ul>
 *   <li>{@code cafe_sales_per_product_day}: day, product, size, quantity, sales;
 *   <li>{@code cafe_takings_per_branch_hour}: branch, hour (local), hour_start (an instant, for
 *       time-series charts), orders, takings;
 *   <li>{@code cafe_payment_mix}: branch, day, payment_type, orders, takings, share_of_orders
 *       (of that branch's orders that day, 4 decimals).
 * </ul>
 *
 * <p>New versus returning customers is not offered: customer names and card numbers are
 * dropped by the parser, so nothing links two orders to one person.
 */
public final class CafeViews {
  private CafeViews() {}

  public static final List<String> NAMES =
      List.of("cafe_sales_per_product_day", "cafe_takings_per_branch_hour", "cafe_payment_mix");

  /** {@code CREATE OR REPLACE VIEW} statements; {@code zone} is a checked region name. */
  public static List<String> statements(String zone) {
    String z = "'" + zone.replace("'", "''") + "'";
    String local = "(o.ordered_at AT TIME ZONE " + z + ")";
    return List.of(
        "CREATE OR REPLACE VIEW cafe_sales_per_product_day AS\n"
            + "SELECT " + local + "::date AS day, p.name AS product, p.size,\n"
            + "       sum(i.quantity)::bigint AS quantity, sum(i.quantity * p.price) AS sales\n"
            + "FROM order_items i\n"
            + "JOIN orders o ON o.order_id = i.order_id\n"
            + "JOIN products p ON p.product_id = i.product_id\n"
            + "GROUP BY 1, 2, 3",
        "CREATE OR REPLACE VIEW cafe_takings_per_branch_hour AS\n"
            + "SELECT b.name AS branch, date_trunc('hour', " + local + ") AS hour,\n"
            + "       date_trunc('hour', " + local + ") AT TIME ZONE " + z + " AS hour_start,\n"
            + "       count(*) AS orders, sum(o.total) AS takings\n"
            + "FROM orders o\n"
            + "JOIN branches b ON b.branch_id = o.branch_id\n"
            + "GROUP BY 1, 2",
        "CREATE OR REPLACE VIEW cafe_payment_mix AS\n"
            + "SELECT b.name AS branch, " + local + "::date AS day, o.payment_type,\n"
            + "       count(*) AS orders, sum(o.total) AS takings,\n"
            + "       round(count(*)::numeric / sum(count(*)) OVER (PARTITION BY b.name, "
            + local + "::date), 4) AS share_of_orders\n"
            + "FROM orders o\n"
            + "JOIN branches b ON b.branch_id = o.branch_id\n"
            + "GROUP BY 1, 2, 3");
  }
}
