package dev.sluice.core;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.crypto.tink.DeterministicAead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.daead.DeterministicAeadConfig;
import dev.sluice.core.model.DeadLetter;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.spec.FeedSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
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
 * Parsed rows through ProtectPii: personal fields leave as tokens computed independently here.
 * This stage has no dead-letter output, so its tests check the output schema instead.
 */
@RunWith(JUnit4.class)
public class ProtectPiiTest {
  @Rule public final transient TestPipeline p = TestPipeline.create();

  private static final Protector PROTECTOR = new Protector(Fixtures.keys());
  private static final FeedSpec LOGINS = Fixtures.userLogins();

  private static final List<String> LOGIN_COLUMNS =
      List.of("user_id", "app_version", "device_type", "masked_ip", "locale",
          "masked_device_id", FeedSpec.SOURCE_ID);

  private static Row parsedLogin(String user, String ip, String device, String sourceId) {
    return Row.withSchema(LOGINS.parsedSchema())
        .addValues(user, "0.96", "web", ip, "DE", device, sourceId)
        .build();
  }

  private static Row protectedLogin(String user, String ip, String device, String sourceId) {
    return Row.withSchema(LOGINS.outputSchema())
        .addValues(user, "0.96", "web",
            ip == null ? null : Fixtures.expectedHash("ip", ip), "DE",
            device == null ? null : Fixtures.expectedHash("device_id", device), sourceId)
        .build();
  }

  /** ip and device id become the keyed hashes of their own fields; other columns pass. */
  @Test
  public void loginsHashedIntoMaskedColumns() {
    PCollection<Row> out =
        p.apply(
                Create.of(
                        parsedLogin("u1", "241.20.195.237", "276-93-8850", "s1"),
                        parsedLogin("u2", "159.202.213.170", "973-98-7653", "s2"),
                        parsedLogin("u3", null, null, "s3"))
                    .withRowSchema(LOGINS.parsedSchema()))
            .apply(ProtectPii.of(LOGINS).withProtector(PROTECTOR));

    assertEquals(LOGIN_COLUMNS, out.getSchema().getFieldNames());
    PAssert.that(out)
        .containsInAnyOrder(
            protectedLogin("u1", "241.20.195.237", "276-93-8850", "s1"),
            protectedLogin("u2", "159.202.213.170", "973-98-7653", "s2"),
            protectedLogin("u3", null, null, "s3"));
    p.run();
  }

  /** No raw ip or device id survives anywhere in a protected row. */
  @Test
  public void noRawValueInOutput() {
    PCollection<Row> out =
        p.apply(
                Create.of(parsedLogin("u1", "241.20.195.237", "276-93-8850", "s1"))
                    .withRowSchema(LOGINS.parsedSchema()))
            .apply(ProtectPii.of(LOGINS).withProtector(PROTECTOR));

    assertEquals(LOGIN_COLUMNS, out.getSchema().getFieldNames());
    PAssert.that(out)
        .satisfies(
            rows -> {
              int n = 0;
              for (Row r : rows) {
                n++;
                for (Object v : r.getValues()) {
                  String s = String.valueOf(v);
                  assertThat(s, not(containsString("241.20.195.237")));
                  assertThat(s, not(containsString("276-93-8850")));
                }
              }
              assertEquals(1, n);
              return null;
            });
    p.run();
  }

  /** Raw login lines through parse then protect: hashed rows out, bad lines dead-lettered. */
  @Test
  public void parseThenProtectLogins() {
    String[] lines = {
      "{\"user_id\": \"u64912\", \"app_version\": \"0.96\", \"device_type\": \"web\","
          + " \"ip\": \"241.20.195.237\", \"locale\": \"de\", \"device_id\": \"276-93-8850\"}",
      "{\"user_id\": \"u88525\", \"app_version\": \"0.96\", \"device_type\": \"WEB \","
          + " \"ip\": \" 159.202.213.170\", \"locale\": \"DE\", \"device_id\": \"973-98-7653\"}",
      "{\"user_id\": null, \"ip\": \"181.57.80.95\", \"device_id\": \"863-51-9801\"}",
      "not json at all 181.57.80.96",
    };
    List<RawRecord> input = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      input.add(Fixtures.raw(lines[i], "logins.jsonl:" + (i + 1)));
    }
    PCollectionTuple parsed =
        p.apply(Create.of(input).withCoder(RawRecord.RawRecordCoder.of()))
            .apply(ParseRecords.of(LOGINS).withProtector(PROTECTOR));
    PCollection<Row> out =
        parsed.get(ParseRecords.ROWS).apply(ProtectPii.of(LOGINS).withProtector(PROTECTOR));
    PCollection<DeadLetter> dead = parsed.get(DeadLetters.TAG);

    assertEquals(LOGIN_COLUMNS, out.getSchema().getFieldNames());
    PAssert.that(
            out.apply("Summarise", MapElements.into(TypeDescriptors.strings())
                .via(r -> r.getString("user_id") + "|" + r.getString("device_type") + "|"
                    + r.getString("masked_ip") + "|" + r.getString("masked_device_id"))))
        .containsInAnyOrder(
            "u64912|web|" + Fixtures.expectedHash("ip", "241.20.195.237") + "|"
                + Fixtures.expectedHash("device_id", "276-93-8850"),
            "u88525|web|" + Fixtures.expectedHash("ip", "159.202.213.170") + "|"
                + Fixtures.expectedHash("device_id", "973-98-7653"));
    PAssert.that(dead.apply("DeadSummary", MapElements.into(TypeDescriptors.strings())
            .via(d -> d.origin() + "|" + d.stage())))
        .containsInAnyOrder("logins.jsonl:3|validate", "logins.jsonl:4|parse");
    PAssert.that(dead)
        .satisfies(
            all -> {
              for (DeadLetter d : all) {
                for (String s : new String[] {d.reason(), d.protectedRecord(), d.toString()}) {
                  assertThat(String.valueOf(s), not(containsString("181.57.80.9")));
                  assertThat(String.valueOf(s), not(containsString("863-51-9801")));
                }
              }
              return null;
            });
    p.run();
  }

  /** encrypt gives Tink AES-SIV with the field name as associated data; mask stars; drop drops. */
  @Test
  public void encryptMaskAndDrop() throws Exception {
    FeedSpec spec =
        FeedSpec.parse(
            """
            {"name": "cards", "format": "json", "fields": [
              {"name": "id", "required": true},
              {"name": "email", "pii": "encrypt"},
              {"name": "card", "column": "card_masked", "pii": "mask"},
              {"name": "ssn", "pii": "drop"},
              {"name": "age", "type": "int", "pii": "hash"}],
             "dedup": {"key": "id"}}
            """,
            "cards.json");
    assertEquals(List.of("id", "email", "card", "age"), spec.parsedSchema().getFieldNames());
    Row parsed =
        Row.withSchema(spec.parsedSchema())
            .addValues("c1", "jane@example.com", "4111111111111111", 42)
            .build();

    DeterministicAeadConfig.register();
    JsonNode keyFile = new ObjectMapper().readTree(Fixtures.keys().toJson());
    DeterministicAead siv =
        TinkJsonProtoKeysetFormat.parseKeyset(keyFile.get("aead_keyset").toString(),
                InsecureSecretKeyAccess.get())
            .getPrimitive(DeterministicAead.class);
    String expectedEmail = "v1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(
        siv.encryptDeterministically("jane@example.com".getBytes(StandardCharsets.UTF_8),
            "email".getBytes(StandardCharsets.UTF_8)));

    PCollection<Row> out =
        p.apply(Create.of(parsed).withRowSchema(spec.parsedSchema()))
            .apply(ProtectPii.of(spec).withProtector(PROTECTOR));

    assertEquals(List.of("id", "email", "card_masked", "age"), out.getSchema().getFieldNames());
    PAssert.that(out)
        .containsInAnyOrder(
            Row.withSchema(spec.outputSchema())
                .addValues("c1", expectedEmail, "************1111",
                    Fixtures.expectedHash("age", "42"))
                .build());
    p.run();
  }

  /** A transform without keys refuses to be built. */
  @Test(expected = IllegalStateException.class)
  public void refusesWithoutProtector() {
    p.enableAbandonedNodeEnforcement(false);
    p.apply(Create.of(parsedLogin("u1", "1.2.3.4", "d", "s")).withRowSchema(LOGINS.parsedSchema()))
        .apply(ProtectPii.of(LOGINS));
  }
}
