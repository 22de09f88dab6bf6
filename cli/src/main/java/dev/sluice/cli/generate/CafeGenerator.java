package dev.sluice.cli.generate;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * One branch's day of Super Cafe sales as the {@code cafe} feed reads them (no header:
 * time, branch, customer name, basket, total, CASH or CARD, card number): deterministic by seed,
 * in time order between 08:00 and 17:30, with a share of broken lines of the kinds the tills
 * produce (a total that does not add up, a time in another format, a price with a typo, an
 * empty basket, a line cut short).
 *
 * <pre>{@code
 * CafeGenerator g = new CafeGenerator(3, LocalDate.parse("2021-08-25"), "Leeds", 1000, 0.01);
 * String line = g.next();
 * }</pre>
 */
public final class CafeGenerator {
  private static final Object[][] MENU = {
    {"Flat white", "2.15", "2.45"}, {"Latte", "2.15", "2.45"}, {"Cappuccino", "2.15", "2.45"},
    {"Americano", "1.95", "2.25"}, {"Mocha", "2.30", "2.70"}, {"Hot chocolate", "1.40", "1.70"},
    {"Tea", "1.20", "1.60"}, {"Chai latte", "2.30", "2.60"},
    {"Speciality Tea - Earl Grey", "1.30", "1.60"}, {"Speciality Tea - Peppermint", "1.30", "1.60"},
    {"Flavoured iced latte - Vanilla", "2.55", "2.85"},
    {"Flavoured iced latte - Caramel", "2.55", "2.85"},
    {"Flavoured iced latte - Hazelnut", "2.55", "2.85"}, {"Iced americano", "2.15", "2.50"},
    {"Smoothies - Berry Beautiful", "2.00", "2.50"}, {"Smoothies - Carrot Kick", "2.00", "2.50"},
    {"Frappes - Coffee", "2.75", "3.25"}, {"Frappes - Strawberries & Cream", "2.75", "3.25"},
    {"Glass of milk", "0.70", "1.10"}
  };
  private static final String[][] UNSIZED = {
    {"Croissant", "1.75"}, {"Cheese toastie", "3.20"}, {"Flapjack", "1.50"}
  };
  private static final String[] FIRST = {
    "Richard", "Scott", "Gloria", "Ann", "Marie", "Tom", "Eve", "Priya", "Kwame", "Siobhan",
    "Liam", "Fatima", "Owen", "Grace", "Hamza", "Isla", "Jack", "Megan", "Rhys", "Zainab"
  };
  private static final String[] LAST = {
    "Copeland", "Owens", "Tully", "Lee", "Curie", "Hardy", "Moss", "Patel", "Mensah", "Byrne",
    "Walsh", "Khan", "Price", "Hughes", "Ali", "Fraser", "Turner", "Lloyd", "Evans", "Ahmed"
  };

  private final Random random;
  private final LocalDate date;
  private final String branch;
  private final long count;
  private final double broken;
  private long n;

  public CafeGenerator(long seed, LocalDate date, String branch, long count, double broken) {
    this.random = new Random(seed);
    this.date = date;
    this.branch = branch;
    this.count = Math.max(1, count);
    this.broken = broken;
  }

  public String next() {
    int minute = 8 * 60 + (int) (n * (9 * 60 + 30) / count);
    n++;
    String time = String.format(Locale.ROOT, "%02d/%02d/%04d %02d:%02d", date.getDayOfMonth(),
        date.getMonthValue(), date.getYear(), minute / 60, minute % 60);
    List<String> items = new ArrayList<>();
    BigDecimal total = BigDecimal.ZERO;
    int k = 1 + (random.nextInt(10) < 6 ? 0 : random.nextInt(3));
    for (int i = 0; i < k; i++) {
      String name;
      String price;
      if (random.nextInt(8) == 0) {
        String[] u = UNSIZED[random.nextInt(UNSIZED.length)];
        name = u[0];
        price = u[1];
      } else {
        Object[] m = MENU[random.nextInt(MENU.length)];
        boolean large = random.nextBoolean();
        name = (large ? "Large " : "Regular ") + m[0];
        price = (String) (large ? m[2] : m[1]);
      }
      items.add(name + " - " + price);
      total = total.add(new BigDecimal(price));
    }
    boolean card = random.nextInt(3) > 0;
    String customer = FIRST[random.nextInt(FIRST.length)] + " " + LAST[random.nextInt(LAST.length)];
    String cardNumber = card ? cardNumber() : "";
    if (random.nextDouble() < broken) {
      switch ((int) (n % 5)) {
        case 0:
          total = total.add(new BigDecimal("0.10"));
          break;
        case 1:
          time = String.format(Locale.ROOT, "%s %02d:%02d", date, minute / 60, minute % 60);
          break;
        case 2:
          items.set(0, items.get(0).replaceAll("\\.(\\d)\\d$", ".$1O"));
          break;
        case 3:
          return time + "," + branch + "," + customer + ",\"\",0.00,CASH,";
        default:
          return time + "," + branch + "," + customer + ",\"" + items.get(0) + "\"";
      }
    }
    return time + "," + branch + "," + customer + ",\"" + String.join(", ", items) + "\","
        + total.toPlainString() + "," + (card ? "CARD" : "CASH") + "," + cardNumber;
  }

  /** A 16-digit number with a valid Luhn check digit, as a till would record it. */
  private String cardNumber() {
    StringBuilder b = new StringBuilder(random.nextBoolean() ? "4" : "5" + (1 + random.nextInt(5)));
    while (b.length() < 15) {
      b.append(random.nextInt(10));
    }
    int sum = 0;
    for (int i = 0; i < 15; i++) {
      int d = b.charAt(14 - i) - '0';
      if (i % 2 == 0) {
        d *= 2;
        if (d > 9) {
          d -= 9;
        }
      }
      sum += d;
    }
    return b.append((10 - sum % 10) % 10).toString();
  }
}
