package dev.sluice.core;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThrows;

import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.FieldSpec;
import dev.sluice.core.spec.SpecException;
import java.util.List;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/**
 * Wrong JSON types and unknown keys, which Jackson finds while binding, fail with the whole
 * message the spec reader has always given: the place as the spec names it, never a Java type.
 */
@RunWith(JUnit4.class)
public class FeedSpecBindingTest {
  private static final String[][] CASES = {
    {"{\"name\": 5, \"format\": \"json\", \"fields\": [{\"name\": \"a\"}]}",
        "spec.name: must be a string"},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": [{\"name\": \"a\", \"required\": \"yes\"}]}",
        "field 'a'.required: must be true or false"},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": [5]}", "fields[0]: must be an object"},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": {\"name\": \"a\"}}",
        "fields: missing or empty; list the feed's fields"},
    {"{\"name\": \"f\", \"format\": \"json\","
        + " \"fields\": [{\"name\": \"a\", \"cleanse\": [\"trim\", null]}]}",
        "field 'a'.cleanse: must be a list of strings"},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": [{\"name\": \"a\", \"sorce\": \"x\"}]}",
        "field 'a': unknown key 'sorce' (allowed: name, source, column, type, required, cleanse,"
            + " format, zone, derive, pii, mask, description)"},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": [{\"sorce\": \"x\"}]}",
        "fields[0].name: missing"},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": [{\"name\": \"a\"},"
        + " {\"name\": \"b\", \"derive\": {\"split\": \"a:0\"}}]}",
        "field 'b'.derive: say {\"split\": {\"from\": F, \"separator\": S, \"index\": N}}"},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": [{\"name\": \"a\"}, {\"name\": \"b\","
        + " \"derive\": {\"split\": {\"from\": \"a\", \"separator\": \":\", \"index\": \"1\"}}}]}",
        "field 'b'.derive.split.index: must be 0 (before the first separator) or 1 (after it)"},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": [{\"name\": \"a\", \"pii\": \"mask\","
        + " \"mask\": {\"keep_first\": 1, \"keep_lst\": 2}}]}",
        "field 'a'.mask: unknown key 'keep_lst' (allowed: keep_first, keep_last)"},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": [{\"name\": \"a\"}],"
        + " \"partition\": {\"daily\": 7}}",
        "partition.daily: must be a string"},
    {"{\"name\": \"f\", \"format\": 7, \"fields\": [{\"name\": \"a\"}]}",
        "format: must be an object such as {\"type\": \"json\"}"},
    {"{\"name\": \"f\", \"format\": {\"type\": \"csv\", \"header\": 1}, \"fields\": [{\"name\": \"a\"}]}",
        "format.header: must be true or false"},
    {"{\"name\": \"f\", \"format\": {\"type\": \"json\", \"max_record_bytes\": \"1MB\"},"
        + " \"fields\": [{\"name\": \"a\"}]}",
        "format.max_record_bytes: must be a positive whole number"},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": [{\"name\": \"a\"}],"
        + " \"normalise\": {\"kind\": 7}}",
        "normalise.kind: must be a string"},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": [{\"name\": \"a\"}], \"extra_fields\": 7}",
        "extra_fields: must be \"keep\", \"drop\" or \"reject\""},
    {"{\"name\": \"f\", \"format\": \"json\", \"fields\": [{\"name\": \"a\"}], \"dedupe\": {}}",
        "spec: unknown key 'dedupe' (allowed: name, description, format, null_values, fields,"
            + " dedup, event_time, partition, table, normalise, extra_fields)"},
  };

  /** Each case fails with exactly its message, prefixed by the spec's name. */
  @Test
  public void bindingFailuresKeepTheirMessages() {
    for (String[] c : CASES) {
      SpecException e = assertThrows(c[0], SpecException.class, () -> FeedSpec.parse(c[0], "t"));
      assertEquals(c[0], "t: " + c[1], e.getMessage());
    }
  }

  /** The short forms bind as their long ones, and a key given as null as one left out. */
  @Test
  public void shortFormsAndNullsBind() {
    FeedSpec s = FeedSpec.parse(
        "{\"name\": \"f\", \"format\": \"csv\", \"table\": \"t\", \"dedup\": null,"
            + " \"fields\": [{\"name\": \"a\", \"cleanse\": \"trim\", \"zone\": null}]}", "t");
    assertEquals(FeedSpec.Format.CSV, s.format);
    assertEquals("t", s.table);
    assertEquals(List.of(FieldSpec.Cleanse.TRIM), s.field("a").cleanse);
    assertEquals("UTC", s.field("a").zone);
    assertEquals(List.of(), s.dedupKey);
  }

  /** A parsed spec survives Java serialization, as it travels inside the pipeline's DoFns. */
  @Test
  public void parsedSpecIsSerializable() {
    FeedSpec s = Fixtures.events();
    FeedSpec copy = SerializableUtils.clone(s);
    assertEquals(s.outputSchema(), copy.outputSchema());
    assertEquals(s.partitionTemplate, copy.partitionTemplate);
  }
}
