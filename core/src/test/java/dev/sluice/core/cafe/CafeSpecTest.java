package dev.sluice.core.cafe;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.junit.Assert.fail;

import dev.sluice.core.Fixtures;
import dev.sluice.core.spec.FeedSpec;
import dev.sluice.core.spec.SpecException;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** A spec that names a normaliser it does not fit fails at start, saying what is missing. */
@RunWith(JUnit4.class)
public class CafeSpecTest {
  private static final String SHIPPED =
      Fixtures.read(Fixtures.testdata().resolve("cafe/spec.json"));

  private static String problem(String json) {
    try {
      FeedSpec.parse(json, "spec.json");
    } catch (SpecException e) {
      return e.getMessage();
    }
    fail("the spec parsed");
    return null;
  }

  /** An unknown normaliser is named with the known ones. */
  @Test
  public void unknownNormaliser() {
    assertThat(problem(SHIPPED.replace("\"cafe_orders\"", "\"cafe\"")),
        containsString("spec.json: normalise: unknown normaliser 'cafe' (cafe_orders)"));
  }

  /** A missing, retyped, optional or protected field the normaliser reads is refused. */
  @Test
  public void fieldsTheNormaliserNeeds() {
    assertThat(problem(SHIPPED.replace("{\"name\": \"total\", \"type\": \"decimal\"",
            "{\"name\": \"amount\", \"source\": \"total\", \"type\": \"decimal\"")),
        containsString("normalise: cafe_orders needs field 'total' (decimal, required)"));
    assertThat(problem(SHIPPED.replace("{\"name\": \"total\", \"type\": \"decimal\"",
            "{\"name\": \"total\", \"type\": \"double\"")),
        containsString("cafe_orders needs field 'total' to be of type decimal"));
    assertThat(problem(SHIPPED.replace(
            "{\"name\": \"branch\", \"type\": \"string\", \"required\": true,",
            "{\"name\": \"branch\", \"type\": \"string\", \"pii\": \"hash\", \"required\": true,")),
        containsString("cafe_orders needs field 'branch' required, unprotected"));
  }

  /** The zone reaches SQL views, so only region names are taken. */
  @Test
  public void zoneMustBeARegion() {
    assertThat(problem(SHIPPED.replace("\"Europe/London\"", "\"+01:00\"")),
        containsString("needs the zone of 'ordered_at' as a region name"));
  }
}
