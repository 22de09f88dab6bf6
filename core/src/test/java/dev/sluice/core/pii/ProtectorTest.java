package dev.sluice.core.pii;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.Fixtures;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import org.apache.beam.sdk.util.SerializableUtils;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** Hash, encrypt and mask against values computed without the code under test. */
@RunWith(JUnit4.class)
public class ProtectorTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final String IP = "241.20.195.237";

  private final Protector protector = new Protector(Fixtures.keys());

  /** keys() with another HMAC secret (all bytes 0x42) and the same AES-SIV keyset. */
  private static SluiceKeys keysWithSecret(byte[] secret) throws Exception {
    ObjectNode json = (ObjectNode) MAPPER.readTree(Fixtures.keys().toJson());
    json.put("hmac_secret", Base64.getEncoder().encodeToString(secret));
    return SluiceKeys.parse(json.toString(), "other");
  }

  /** The hash is HMAC-SHA256 under the derived field key, as computed by javax.crypto. */
  @Test
  public void hashMatchesIndependentHmac() {
    assertEquals(Fixtures.expectedHash("ip", IP), protector.hash("ip", IP));
  }

  /** The hash matches a vector computed outside Java (Python hmac, secret bytes 0..31). */
  @Test
  public void hashMatchesKnownVector() {
    assertEquals("v1:mqzCq50CC-6blhMyzc6dDpuanX2vUBRl9XYAb_c2oyo", protector.hash("ip", IP));
  }

  /** The same value hashes differently in different fields. */
  @Test
  public void hashDiffersPerField() {
    String asIp = protector.hash("ip", IP);
    String asDevice = protector.hash("device_id", IP);
    assertNotEquals(asIp, asDevice);
    assertEquals(Fixtures.expectedHash("device_id", IP), asDevice);
  }

  /** The hash is deterministic, so hashed columns still group and join. */
  @Test
  public void hashIsDeterministic() {
    assertEquals(protector.hash("ip", IP), new Protector(Fixtures.keys()).hash("ip", IP));
    assertEquals(protector.hash("ip", IP), protector.hash("ip", IP));
    assertNotEquals(protector.hash("ip", IP), protector.hash("ip", "241.20.195.238"));
  }

  /** The hash is not a plain SHA-256 of the value, in hex or base64. */
  @Test
  public void hashIsNotPlainSha256() throws Exception {
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(IP.getBytes(StandardCharsets.UTF_8));
    String token = protector.hash("ip", IP);
    String body = token.substring(token.indexOf(':') + 1);
    assertNotEquals(Base64.getUrlEncoder().withoutPadding().encodeToString(sha), body);
    assertNotEquals(HexFormat.of().formatHex(sha), body);
    assertThat(token, not(containsString(IP)));
  }

  /** The hash depends on the secret: another secret gives another token. */
  @Test
  public void hashDependsOnSecret() throws Exception {
    byte[] other = new byte[32];
    java.util.Arrays.fill(other, (byte) 0x42);
    String token = new Protector(keysWithSecret(other)).hash("ip", IP);
    assertEquals(Fixtures.expectedHash(other, "v1", "ip", IP), token);
    assertNotEquals(protector.hash("ip", IP), token);
  }

  /** A protector survives Java serialization (it travels inside DoFns) and hashes the same. */
  @Test
  public void protectorSurvivesSerialization() {
    Protector copy = SerializableUtils.clone(protector);
    assertEquals(Fixtures.expectedHash("ip", IP), copy.hash("ip", IP));
  }

  /** Encryption round-trips and carries the key version. */
  @Test
  public void encryptDecryptRoundTrip() {
    String token = protector.encrypt("email", "jane@example.com");
    assertThat(token, startsWith("v1:"));
    assertThat(token, not(containsString("jane")));
    assertEquals("jane@example.com", protector.decrypt("email", token));
  }

  /** Encryption of arbitrary bytes, even invalid UTF-8, round-trips byte for byte. */
  @Test
  public void encryptBytesRoundTrip() {
    byte[] raw = {'{', (byte) 0xC3, 0x28, 0, (byte) 0xFF, '}'};
    String token = protector.encryptBytes(Protector.PAYLOAD_FIELD, raw);
    assertArrayEquals(raw, protector.decryptBytes(Protector.PAYLOAD_FIELD, token));
  }

  /** Encryption is deterministic: equal values give equal tokens, different values differ. */
  @Test
  public void encryptIsDeterministic() {
    String a = protector.encrypt("email", "jane@example.com");
    assertEquals(a, new Protector(Fixtures.keys()).encrypt("email", "jane@example.com"));
    assertNotEquals(a, protector.encrypt("email", "john@example.com"));
  }

  /** The field name is associated data: a token does not decrypt as another field. */
  @Test
  public void wrongFieldFailsToDecrypt() {
    String token = protector.encrypt("email", "jane@example.com");
    assertNotEquals(token, protector.encrypt("phone", "jane@example.com"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> protector.decrypt("phone", token));
    assertThat(e.getMessage(), containsString("does not decrypt"));
    assertThat(e.getMessage(), not(containsString("jane")));
  }

  /** A token does not decrypt under another keyset. */
  @Test
  public void wrongKeyFailsToDecrypt() {
    String token = protector.encrypt("email", "jane@example.com");
    Protector other = new Protector(SluiceKeys.generate("v1"));
    assertThrows(IllegalArgumentException.class, () -> other.decrypt("email", token));
  }

  /** A token of another key version is refused naming both versions. */
  @Test
  public void otherVersionRefused() {
    String token = protector.encrypt("email", "x");
    String v2 = "v2" + token.substring(2);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> protector.decrypt("email", v2));
    assertThat(e.getMessage(), containsString("v2"));
    assertThat(e.getMessage(), containsString("v1"));
  }

  /** A hash token is not an encrypted token. */
  @Test
  public void hashTokenDoesNotDecrypt() {
    String token = protector.hash("email", "x");
    assertThrows(IllegalArgumentException.class, () -> protector.decrypt("email", token));
  }

  /** Masking a card keeps the last four by default and stars the rest. */
  @Test
  public void maskKeepsLastFour() {
    assertEquals("************1111", Protector.mask("4111111111111111", 0, 4));
  }

  /** Masking keeps the first six and last four where the value is long enough. */
  @Test
  public void maskKeepsFirstSixAndLastFour() {
    assertEquals("123456**********7890", Protector.mask("12345678901234567890", 6, 4));
  }

  /** A 16-digit card keeps its first six and last four, as PCI DSS allows at most. */
  @Test
  public void maskCardKeepsBinAndLastFour() {
    assertEquals("411111******1111", Protector.mask("4111111111111111", 6, 4));
  }

  /** A value too short to hide a third of itself and four characters is starred whole. */
  @Test
  public void maskStarsShortValuesWhole() {
    assertEquals("****", Protector.mask("1234", 0, 4));
    assertEquals("*************", Protector.mask("4111111111111", 6, 4));
    assertEquals("", Protector.mask("", 6, 4));
  }

  /** For every length, a mask keeps at most the first 6 and last 4, hides a third and four. */
  @Test
  public void maskNeverKeepsMoreThanAllowed() {
    String digits = "98765432109876543210987654321";
    for (int n = 0; n <= digits.length(); n++) {
      String v = digits.substring(0, n);
      String m = Protector.mask(v, 6, 4);
      assertEquals(n, m.length());
      int stars = 0;
      for (int i = 0; i < n; i++) {
        if (m.charAt(i) == '*') {
          stars++;
        } else {
          assertEquals(v.charAt(i), m.charAt(i));
          assertTrue("kept index " + i + " of " + n, i < 6 || i >= n - 4);
        }
      }
      assertTrue("hides at least a third of " + v, stars * 3 >= n);
      assertTrue("hides at least four of " + v, stars >= Math.min(4, n));
    }
  }

  /** Keys written as JSON read back into keys that hash and decrypt the same. */
  @Test
  public void keysJsonRoundTrip() {
    SluiceKeys original = SluiceKeys.generate("v3");
    SluiceKeys copy = SluiceKeys.parse(original.toJson(), "keys.json");
    assertEquals("v3", copy.version());
    Protector a = new Protector(original);
    Protector b = new Protector(copy);
    assertEquals(a.hash("ip", IP), b.hash("ip", IP));
    assertThat(a.hash("ip", IP), startsWith("v3:"));
    assertEquals("secret", b.decrypt("f", a.encrypt("f", "secret")));
  }

  /** The key file's hmac_secret is the secret the hash uses. */
  @Test
  public void keysJsonHoldsTheSecret() throws Exception {
    JsonNode json = MAPPER.readTree(Fixtures.keys().toJson());
    assertArrayEquals(Fixtures.SECRET, Base64.getDecoder().decode(json.get("hmac_secret").asText()));
    assertTrue(json.get("aead_keyset").isObject());
  }

  /** toString shows the version and no key material. */
  @Test
  public void keysToStringHoldsNoKeyMaterial() throws Exception {
    SluiceKeys keys = SluiceKeys.generate("v1");
    JsonNode json = MAPPER.readTree(keys.toJson());
    String secret = json.get("hmac_secret").asText();
    String aesKey = json.get("aead_keyset").get("key").get(0).get("keyData").get("value").asText();
    String s = keys.toString();
    assertThat(s, containsString("v1"));
    assertThat(s, not(containsString(secret)));
    assertThat(s, not(containsString(secret.substring(0, 8))));
    assertThat(s, not(containsString(aesKey.substring(0, 8))));
    assertThat(new Protector(keys).toString(), not(containsString(secret.substring(0, 8))));
  }

  /** A bad key file is refused without echoing what it holds. */
  @Test
  public void badKeyFileMessagesHoldNoKeyMaterial() throws Exception {
    ObjectNode json = (ObjectNode) MAPPER.readTree(Fixtures.keys().toJson());
    json.put("hmac_secret", "c2hvcnRzZWNyZXQ=");
    IllegalArgumentException shortSecret =
        assertThrows(IllegalArgumentException.class,
            () -> SluiceKeys.parse(json.toString(), "keys.json"));
    assertThat(shortSecret.getMessage(), containsString("at least 32 bytes"));
    assertThat(shortSecret.getMessage(), not(containsString("c2hvcnRz")));

    IllegalArgumentException notJson =
        assertThrows(IllegalArgumentException.class,
            () -> SluiceKeys.parse("{\"hmac_secret\": \"AAECAwQFBgcICQoLDA0ODxAR", "keys.json"));
    assertThat(notJson.getMessage(), not(containsString("AAECAwQF")));

    json.put("hmac_secret", Base64.getEncoder().encodeToString(Fixtures.SECRET));
    json.put("aead_keyset", "{\"key\": [\"AAECAwQFBgcI\"]}");
    IllegalArgumentException badKeyset =
        assertThrows(IllegalArgumentException.class,
            () -> SluiceKeys.parse(json.toString(), "keys.json"));
    assertThat(badKeyset.getMessage(), containsString("aead_keyset"));
    assertThat(badKeyset.getMessage(), not(containsString("AAECAwQF")));
  }

  /** A key version that is not v<number> is refused. */
  @Test
  public void badVersionRefused() {
    assertThrows(IllegalArgumentException.class, () -> SluiceKeys.generate("1"));
    assertThrows(IllegalArgumentException.class, () -> SluiceKeys.generate("v1:x"));
  }
}
