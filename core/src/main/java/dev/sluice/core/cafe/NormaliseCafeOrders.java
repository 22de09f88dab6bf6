package dev.sluice.core.cafe;

import dev.sluice.core.normalise.NormalisedTable;
import dev.sluice.core.normalise.Normaliser;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldSpec;
import dev.sluice.core.spec.FieldType;
import dev.sluice.core.spec.PiiAction;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.Distinct;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.joda.time.Instant;
import org.joda.time.ReadableInstant;

/**
 * The {@code cafe_orders} normaliser: each Super Cafe sale (a row of the {@code cafe} feed,
 * names and card numbers already dropped) becomes one row of {@code orders}, a row of
 * {@code order_items} per product in its basket (with the quantity), and the
 * {@code branches} and {@code products} rows they refer to. Keys come from {@link CafeIds}.
 *
 * <p>Identical sales (same branch, minute, basket, total and payment type) are told apart by
 * an ordinal: the group of {@code n} identical rows gives orders 0 to {@code n - 1}. Loading the
 * same file again gives the same group and so the same keys. Input must be bounded (files).
 *
 * <pre>{@code
 * PCollectionTuple t = unique.apply(new NormaliseCafeOrders());
 * t.get(NormaliseCafeOrders.ORDERS); // order_id, branch_id, ordered_at, total, payment_type
 * }</pre>
 */
public final class NormaliseCafeOrders extends Normaliser {
  public static final String KIND = "cafe_orders";

  static final String ORDERED_AT = "ordered_at";
  static final String BRANCH = "branch";
  static final String BASKET = "basket";
  static final String TOTAL = "total";
  static final String PAYMENT_TYPE = "payment_type";

  public static final TupleTag<Row> BRANCHES = new TupleTag<Row>() {};
  public static final TupleTag<Row> PRODUCTS = new TupleTag<Row>() {};
  public static final TupleTag<Row> ORDERS = new TupleTag<Row>() {};
  public static final TupleTag<Row> ORDER_ITEMS = new TupleTag<Row>() {};

  public static final NormalisedTable BRANCHES_TABLE =
      new NormalisedTable("branches",
          columns("branch_id", FieldType.STRING, "name", FieldType.STRING),
          Set.of(), List.of("branch_id"), Map.of(), BRANCHES);
  public static final NormalisedTable PRODUCTS_TABLE =
      new NormalisedTable("products",
          columns("product_id", FieldType.STRING, "name", FieldType.STRING,
              "size", FieldType.STRING, "price", FieldType.DECIMAL),
          Set.of("size"), List.of("product_id"), Map.of(), PRODUCTS);
  public static final NormalisedTable ORDERS_TABLE =
      new NormalisedTable("orders",
          columns("order_id", FieldType.STRING, "branch_id", FieldType.STRING,
              "ordered_at", FieldType.TIMESTAMP, "total", FieldType.DECIMAL,
              "payment_type", FieldType.STRING),
          Set.of(), List.of("order_id"), Map.of("branch_id", "branches"), ORDERS);
  public static final NormalisedTable ORDER_ITEMS_TABLE =
      new NormalisedTable("order_items",
          columns("order_id", FieldType.STRING, "product_id", FieldType.STRING,
              "quantity", FieldType.INT),
          Set.of(), List.of("order_id", "product_id"),
          orderedMap("order_id", "orders", "product_id", "products"), ORDER_ITEMS);

  private static final List<NormalisedTable> TABLES =
      List.of(BRANCHES_TABLE, PRODUCTS_TABLE, ORDERS_TABLE, ORDER_ITEMS_TABLE);

  /** Basket layout and the like, from the spec; small, so the DoFns below carry it. */
  private final CafeSettings settings;
  /** Buckets the sales are grouped in; see {@link #withBuckets}. */
  private final int buckets;

  /** The Super Cafe tills' format ({@link CafeSettings#DEFAULT}). */
  public NormaliseCafeOrders() {
    this(CafeSettings.DEFAULT);
  }

  public NormaliseCafeOrders(CafeSettings settings) {
    this(settings, DEFAULT_BUCKETS);
  }

  private NormaliseCafeOrders(CafeSettings settings, int buckets) {
    this.settings = settings;
    this.buckets = buckets;
  }

  /** Buckets by default: enough to spread over any sensible parallelism. */
  public static final int DEFAULT_BUCKETS = 256;

  /**
   * How many buckets identical sales are found in. Each bucket is one key to the runner and one
   * GroupByKey output; within it the sales are grouped in memory. A key per sale instead made
   * the DirectRunner run every later step in a bundle per sale (50,000 bundles for a fortnight
   * of 18 branches, each one a JDBC commit), and the bucket count keeps both runners' keys few.
   */
  @Override
  public NormaliseCafeOrders withBuckets(int buckets) {
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be at least 1");
    }
    return new NormaliseCafeOrders(settings, buckets);
  }

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public List<NormalisedTable> tables() {
    return TABLES;
  }

  /**
   * Null when the feed has the fields this normaliser reads, else what is wrong: unprotected,
   * required {@code ordered_at} (timestamp, in a named zone), {@code branch}, {@code basket},
   * {@code payment_type} (text) and {@code total} (decimal), each in a column of its own name.
   */
  public static String misfit(FeedSpec spec) {
    Map<String, FieldType> need = columns(ORDERED_AT, FieldType.TIMESTAMP, BRANCH,
        FieldType.STRING, BASKET, FieldType.STRING, TOTAL, FieldType.DECIMAL, PAYMENT_TYPE,
        FieldType.STRING);
    for (Map.Entry<String, FieldType> n : need.entrySet()) {
      FieldSpec f = spec.field(n.getKey());
      String what = KIND + " needs field '" + n.getKey() + "'";
      if (f == null) {
        return what + " (" + n.getValue().name().toLowerCase() + ", required)";
      }
      if (f.type != n.getValue()) {
        return what + " to be of type " + n.getValue().name().toLowerCase();
      }
      if (!f.required || f.pii != PiiAction.NONE || !f.column.equals(f.name)) {
        return what + " required, unprotected and in a column of its own name";
      }
    }
    // The zone also reaches SQL (the views' local times); offsets are spelled differently
    // there (POSIX signs are inverted), so only region names are taken.
    if (!spec.field(ORDERED_AT).zone.matches("[A-Za-z_]+(/[A-Za-z_-]+)*")) {
      return KIND + " needs the zone of 'ordered_at' as a region name (Europe/London or UTC),"
          + " not an offset";
    }
    try {
      CafeSettings.of(spec);
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    return null;
  }

  @Override
  public PCollectionTuple expand(PCollection<Row> rows) {
    if (rows.isBounded() == PCollection.IsBounded.UNBOUNDED) {
      throw new IllegalArgumentException(KIND + " normalises bounded input (files) only");
    }
    PCollection<KV<Integer, Iterable<Row>>> sales =
        rows.apply("KeyBySaleBucket", ParDo.of(new KeyBySaleBucketFn(settings, buckets)))
            .setCoder(KvCoder.of(VarIntCoder.of(), SchemaCoder.of(rows.getSchema())))
            .apply("GroupIdenticalSales", GroupByKey.create());
    PCollectionTuple out =
        sales.apply("EmitTableRows", ParDo.of(new EmitFn(settings))
            .withOutputTags(ORDERS, TupleTagList.of(ORDER_ITEMS).and(BRANCHES).and(PRODUCTS)));
    out.get(ORDERS).setRowSchema(ORDERS_TABLE.schema());
    out.get(ORDER_ITEMS).setRowSchema(ORDER_ITEMS_TABLE.schema());
    out.get(BRANCHES).setRowSchema(BRANCHES_TABLE.schema());
    out.get(PRODUCTS).setRowSchema(PRODUCTS_TABLE.schema());
    PCollection<Row> branches =
        out.get(BRANCHES)
            .apply("DistinctBranches", Distinct.withRepresentativeValueFn((Row r) -> r.getString(0))
                .withRepresentativeType(TypeDescriptors.strings()))
            .setRowSchema(BRANCHES_TABLE.schema());
    PCollection<Row> products =
        out.get(PRODUCTS)
            .apply("DistinctProducts", Distinct.withRepresentativeValueFn((Row r) -> r.getString(0))
                .withRepresentativeType(TypeDescriptors.strings()))
            .setRowSchema(PRODUCTS_TABLE.schema());
    return PCollectionTuple.of(BRANCHES, branches)
        .and(PRODUCTS, products)
        .and(ORDERS, out.get(ORDERS))
        .and(ORDER_ITEMS, out.get(ORDER_ITEMS));
  }

  /** One sale read from a row: everything but the ordinal. */
  static final class Sale {
    final String branch;
    final String branchId;
    final Instant orderedAt;
    final BigDecimal total;
    final String paymentType;
    final List<CafeBasket.Item> items;
    final List<String> productIds = new ArrayList<>();
    final String content;

    Sale(Row row, CafeSettings settings) {
      branch = row.getString(BRANCH);
      branchId = CafeIds.branch(branch);
      orderedAt = new Instant(((ReadableInstant) row.getValue(ORDERED_AT)).getMillis());
      total = row.getDecimal(TOTAL).setScale(2);
      paymentType = row.getString(PAYMENT_TYPE);
      try {
        items = CafeBasket.parse(row.getString(BASKET), settings);
      } catch (CafeBasket.BasketException e) {
        // CafeOrderCheck rejected such rows at parse time; this one skipped the check.
        throw new IllegalStateException("a cafe row reached the normaliser unchecked: "
            + e.getMessage());
      }
      for (CafeBasket.Item i : items) {
        productIds.add(CafeIds.product(i.name, i.size, i.price));
      }
      content = CafeIds.orderContent(branchId,
          java.time.Instant.ofEpochMilli(orderedAt.getMillis()).toString(), paymentType, total,
          productIds);
    }
  }

  /**
   * A sale's bucket: a hash of its content, so identical sales share a bucket. The content is
   * worked out again after the grouping rather than shipped: fewer bytes through the shuffle.
   */
  static final class KeyBySaleBucketFn extends DoFn<Row, KV<Integer, Row>> {
    private final CafeSettings settings;
    private final int buckets;

    KeyBySaleBucketFn(CafeSettings settings, int buckets) {
      this.settings = settings;
      this.buckets = buckets;
    }

    @ProcessElement
    public void process(@Element Row row, OutputReceiver<KV<Integer, Row>> out) {
      out.output(KV.of(
          Math.floorMod(new Sale(row, settings).content.hashCode() * 0x9E3779B9, buckets), row));
    }
  }

  /** One bucket's sales: each group of identical sales gives its orders, ordinal 0 to n - 1. */
  static final class EmitFn extends DoFn<KV<Integer, Iterable<Row>>, Row> {
    private final CafeSettings settings;

    EmitFn(CafeSettings settings) {
      this.settings = settings;
    }

    @ProcessElement
    public void process(@Element KV<Integer, Iterable<Row>> bucket, MultiOutputReceiver out) {
      Map<String, Sale> first = new LinkedHashMap<>();
      Map<String, Integer> counts = new HashMap<>();
      for (Row r : bucket.getValue()) {
        Sale sale = new Sale(r, settings);
        first.putIfAbsent(sale.content, sale);
        counts.merge(sale.content, 1, Integer::sum);
      }
      for (Sale sale : first.values()) {
        emit(sale, counts.get(sale.content), out);
      }
    }

    private static void emit(Sale sale, int count, MultiOutputReceiver out) {
      out.get(BRANCHES).output(
          Row.withSchema(BRANCHES_TABLE.schema()).addValues(sale.branchId, sale.branch).build());
      Map<String, Integer> quantities = new LinkedHashMap<>();
      for (int i = 0; i < sale.items.size(); i++) {
        CafeBasket.Item item = sale.items.get(i);
        String productId = sale.productIds.get(i);
        if (quantities.merge(productId, 1, Integer::sum) == 1) {
          out.get(PRODUCTS).output(Row.withSchema(PRODUCTS_TABLE.schema())
              .addValues(productId, item.name, item.size, item.price).build());
        }
      }
      for (int ordinal = 0; ordinal < count; ordinal++) {
        String orderId = CafeIds.order(sale.content, ordinal);
        out.get(ORDERS).output(Row.withSchema(ORDERS_TABLE.schema())
            .addValues(orderId, sale.branchId, sale.orderedAt, sale.total, sale.paymentType)
            .build());
        for (Map.Entry<String, Integer> q : quantities.entrySet()) {
          out.get(ORDER_ITEMS).output(Row.withSchema(ORDER_ITEMS_TABLE.schema())
              .addValues(orderId, q.getKey(), q.getValue()).build());
        }
      }
    }
  }

  private static Map<String, FieldType> columns(Object... nameType) {
    Map<String, FieldType> m = new LinkedHashMap<>();
    for (int i = 0; i < nameType.length; i += 2) {
      m.put((String) nameType[i], (FieldType) nameType[i + 1]);
    }
    return m;
  }

  private static Map<String, String> orderedMap(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
