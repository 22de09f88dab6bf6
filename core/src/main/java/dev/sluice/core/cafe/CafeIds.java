package dev.sluice.core.cafe;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Keys of the cafe tables, derived from natural keys so that every run, on any worker, gives
 * the same key to the same thing: the first 16 bytes of SHA-256, in hex, over the kind and the
 * parts joined by NUL. None of the parts is personal data (names and cards never get here).
 *
 * <ul>
 *   <li>branch: {@code "branch", name}
 *   <li>product: {@code "product", name, size (empty if none), price (two decimals)}
 *   <li>order: {@code "order", branch id, time (ISO-8601 UTC), payment type, total (two
 *       decimals), each item's product id in basket order, ordinal}; the ordinal tells apart
 *       identical sales of one branch in one minute (0 for the first, 1 for the next).
 * </ul>
 */
public final class CafeIds {
  private CafeIds() {}

  public static String branch(String name) {
    return id("branch", name);
  }

  public static String product(String name, String size, BigDecimal price) {
    return id("product", name, size == null ? "" : size, price.setScale(2).toPlainString());
  }

  /** The natural key of an order without its ordinal: what identical sales share. */
  public static String orderContent(String branchId, String isoTime, String paymentType,
      BigDecimal total, List<String> productIds) {
    StringBuilder b = new StringBuilder();
    b.append(branchId).append('\u0000').append(isoTime).append('\u0000').append(paymentType)
        .append('\u0000').append(total.setScale(2).toPlainString());
    for (String p : productIds) {
      b.append('\u0000').append(p);
    }
    return b.toString();
  }

  public static String order(String orderContent, int ordinal) {
    return id("order", orderContent, Integer.toString(ordinal));
  }

  static String id(String kind, String... parts) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    sha.update(kind.getBytes(StandardCharsets.UTF_8));
    for (String p : parts) {
      sha.update((byte) 0);
      sha.update(p.getBytes(StandardCharsets.UTF_8));
    }
    return HexFormat.of().formatHex(sha.digest(), 0, 16);
  }
}
