package dev.sluice.core.normalise;

import dev.sluice.core.cafe.CafeOrderCheck;
import dev.sluice.core.cafe.CafeSettings;
import dev.sluice.core.cafe.NormaliseCafeOrders;
import dev.sluice.core.spec.FeedSpec;
import java.util.List;

/** The normalisers a spec can name with {@code "normalise"}, and their record checks. */
public final class Normalisers {
  /** The names a spec may give. */
  public static final List<String> KINDS = List.of(NormaliseCafeOrders.KIND);

  private Normalisers() {}

  /** Null when the spec names a known normaliser whose fields it has, else the problem. */
  public static String misfit(FeedSpec spec, String kind) {
    if (NormaliseCafeOrders.KIND.equals(kind)) {
      return NormaliseCafeOrders.misfit(spec);
    }
    return "unknown normaliser '" + kind + "' (" + String.join(", ", KINDS) + ")";
  }

  /** The spec's normaliser; null when it has none. */
  public static Normaliser forSpec(FeedSpec spec) {
    if (spec.normalise == null) {
      return null;
    }
    if (NormaliseCafeOrders.KIND.equals(spec.normalise)) {
      return new NormaliseCafeOrders(CafeSettings.of(spec));
    }
    throw new IllegalArgumentException("unknown normaliser '" + spec.normalise + "'");
  }

  /** The check every record of the spec's feed must pass once parsed; null when none. */
  public static RowCheck checkFor(FeedSpec spec) {
    if (spec.normalise == null) {
      return null;
    }
    if (NormaliseCafeOrders.KIND.equals(spec.normalise)) {
      return new CafeOrderCheck(CafeSettings.of(spec));
    }
    throw new IllegalArgumentException("unknown normaliser '" + spec.normalise + "'");
  }
}
