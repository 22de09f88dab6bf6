package dev.sluice.core.cafe;

import dev.sluice.core.DeadLetters;
import dev.sluice.core.DropDuplicates;
import dev.sluice.core.Fixtures;
import dev.sluice.core.ParseRecords;
import dev.sluice.core.ProtectPii;
import dev.sluice.core.model.DeadLetter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.normalise.Normalisers;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.junit.Rule;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * The cafe chain's older export (testdata/cafe-legacy: header lines, ISO times, size,name,price
 * triples, "brand,number" cards) through the same steps as the cafe feed, described by its spec
 * alone. Expectations are counted by hand from the two files.
 */
@RunWith(JUnit4.class)
public class CafeLegacyExportTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final FeedSpec SPEC = Fixtures.shippedSpec("cafe-legacy");
  private static final Protector PROTECTOR = new Protector(Fixtures.keys());

  /** Each data line of a testdata file as a record carrying the file's header line. */
  private static List<RawRecord> records(String file) throws IOException {
    Path path = Fixtures.testdata().resolve("cafe-legacy").resolve(file);
    List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
    List<RawRecord> out = new ArrayList<>();
    for (int i = 1; i < lines.size(); i++) {
      String origin = file + ":" + (i + 1);
      out.add(new RawRecord(lines.get(i).getBytes(StandardCharsets.UTF_8), origin, origin, 0L,
          lines.get(0)));
    }
    return out;
  }

  /** Eight sales in four tables, five broken lines as dead letters; no card number survives. */
  @Test
  public void olderExportLoadsBySpecAlone() throws Exception {
    List<RawRecord> in = new ArrayList<>(records("isle-of-wight_2020-10-01.csv"));
    in.addAll(records("ventnor_2020-10-01.csv"));
    PCollectionTuple parsed = p.apply(Create.of(in).withCoder(RawRecord.RawRecordCoder.of()))
        .apply(ParseRecords.of(SPEC).withProtector(PROTECTOR));
    PCollection<Row> unique = parsed.get(ParseRecords.ROWS)
        .apply(ProtectPii.of(SPEC).withProtector(PROTECTOR))
        .apply(DropDuplicates.forFeed(SPEC)).get(DropDuplicates.UNIQUE);
    PCollectionTuple t = unique.apply(Normalisers.forSpec(SPEC));

    PAssert.that(text(t.get(NormaliseCafeOrders.BRANCHES), "Branches", 1))
        .containsInAnyOrder("Isle of Wight", "Ventnor");
    PAssert.that(t.get(NormaliseCafeOrders.PRODUCTS).apply("Products",
            MapElements.into(TypeDescriptors.strings()).via((Row r) -> r.getString("name")
                + "|" + r.getString("size") + "|" + r.getDecimal("price").toPlainString())))
        .containsInAnyOrder("Hot chocolate|Large|2.90", "Croissant|null|1.75",
            "Latte|Regular|2.15", "Flavoured iced latte - Hazelnut|Large|2.85",
            "Speciality Tea - Peppermint|null|1.30", "Latte|Large|2.45",
            "Hot chocolate|Regular|1.40");
    PAssert.that(t.get(NormaliseCafeOrders.ORDERS).apply("Orders",
            MapElements.into(TypeDescriptors.strings()).via((Row r) -> r.getString("payment_type")
                + " " + r.getDecimal("total").toPlainString() + " " + r.getValue("ordered_at"))))
        .containsInAnyOrder(
            // Local times in London on 1 October 2020 are an hour ahead of UTC.
            "CARD 4.65 2020-10-01T08:02:13.000Z", "CASH 2.15 2020-10-01T08:15:40.000Z",
            "CARD 7.15 2020-10-01T08:15:58.000Z", "CASH 1.30 2020-10-01T09:30:05.000Z",
            "CARD 3.85 2020-10-01T10:47:21.000Z", "CARD 2.45 2020-10-01T07:45:00.000Z",
            "CARD 2.45 2020-10-01T07:45:00.000Z", "CASH 1.75 2020-10-01T23:30:00.000Z");
    PAssert.that(t.get(NormaliseCafeOrders.ORDER_ITEMS).apply("Quantities",
            MapElements.into(TypeDescriptors.integers()).via((Row r) -> r.getInt32("quantity"))))
        .containsInAnyOrder(1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1);
    // The brand is kept, the number masked, the whole card field and the name dropped.
    PAssert.that(unique.apply("Cards", MapElements.into(TypeDescriptors.strings())
            .via((Row r) -> r.getString("card_brand") + " " + r.getString("card_number"))))
        .containsInAnyOrder("Visa ************0000", "null null", "Mastercard ************5100",
            "null null", "American Express ***********8431", "Visa *********0006",
            "Visa *********0014", "null null");
    PAssert.that(unique.apply("Columns", MapElements.into(TypeDescriptors.strings())
            .via((Row r) -> String.join(",", r.getSchema().getFieldNames()))).apply(Count.perElement())
            .apply("ColumnsText", MapElements.into(TypeDescriptors.strings())
                .via(kv -> kv.getKey() + " x" + kv.getValue())))
        .containsInAnyOrder("ordered_at,branch,basket,payment_type,total,card_brand,card_number,"
            + "_source_id x8");
    PAssert.that(parsed.get(DeadLetters.TAG).apply("Reasons", MapElements
            .into(TypeDescriptors.strings())
            .via((DeadLetter d) -> d.origin() + " " + d.stage() + " " + d.reason())))
        .containsInAnyOrder(
            "isle-of-wight_2020-10-01.csv:7 validate field 'basket' has 5 values; as (size, name,"
                + " price) triples it needs a multiple of 3",
            "isle-of-wight_2020-10-01.csv:8 validate basket item 1: size is not one of the"
                + " spec's sizes (Regular, Large)",
            "isle-of-wight_2020-10-01.csv:9 validate field 'card_brand' (from card field"
                + " 'card') holds digits; a card number is never stored",
            "isle-of-wight_2020-10-01.csv:10 validate field 'ordered_at': expected a timestamp"
                + " (ISO-8601), got text that is not",
            "isle-of-wight_2020-10-01.csv:11 validate field 'total' differs from the sum of its"
                + " 1 item by 0.10 (more than a cent)");
    // A dead letter's protected view holds no card number either (its brand was digits).
    PAssert.that(parsed.get(DeadLetters.TAG).apply("Views", MapElements
            .into(TypeDescriptors.booleans())
            .via((DeadLetter d) -> d.protectedRecord() != null
                && d.protectedRecord().matches(".*[0-9]{12}.*"))))
        .containsInAnyOrder(false, false, false, false, false);
    p.run().waitUntilFinish();
  }

  private static PCollection<String> text(PCollection<Row> rows, String name, int column) {
    return rows.apply(name, MapElements.into(TypeDescriptors.strings())
        .via((Row r) -> r.getString(column)));
  }
}
