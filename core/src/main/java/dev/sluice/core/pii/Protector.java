package dev.sluice.core.pii;

import com.google.crypto.tink.DeterministicAead;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Turns personal values into tokens. {@code hash} is HMAC-SHA256 under a key derived per field
 * from the one secret, so the same value hashes differently in different fields and a table of
 * hashed IPv4 addresses cannot be reversed by hashing all four billion of them without the
 * secret. {@code encrypt} is deterministic AES-SIV with the field name as associated data, so
 * equal values give equal tokens (analysts can group and join) and a key holder can reverse
 * them. Tokens carry the key version: {@code v1:...}.
 *
 * <p>Not thread-safe: each DoFn instance holds its own (Beam deserializes one per instance).
 */
public final class Protector implements Serializable {
  /** The associated-data name under which dead letters keep their original payload. */
  public static final String PAYLOAD_FIELD = "_payload";

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getUrlDecoder();

  private final SluiceKeys keys;
  private transient Map<String, Mac> macs;
  private transient DeterministicAead aead;

  public Protector(SluiceKeys keys) {
    this.keys = keys;
  }

  public String version() {
    return keys.version();
  }

  public String hash(String field, String value) {
    Mac mac = mac(field);
    byte[] digest = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
    return keys.version() + ":" + B64.encodeToString(digest);
  }

  public String encrypt(String field, String value) {
    return encryptBytes(field, value.getBytes(StandardCharsets.UTF_8));
  }

  public String encryptBytes(String field, byte[] value) {
    try {
      byte[] ct = aead().encryptDeterministically(value, field.getBytes(StandardCharsets.UTF_8));
      return keys.version() + ":" + B64.encodeToString(ct);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("encryption failed for field " + field);
    }
  }

  /** Reverses {@link #encryptBytes}; fails with a plain message for a foreign token. */
  public byte[] decryptBytes(String field, String token) {
    int colon = token.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException("not a Sluice token (no version prefix)");
    }
    String version = token.substring(0, colon);
    if (!version.equals(keys.version())) {
      throw new IllegalArgumentException(
          "token is of key version " + version + ", the key file holds " + keys.version());
    }
    byte[] ct;
    try {
      ct = B64D.decode(token.substring(colon + 1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("token is not base64url");
    }
    try {
      return aead().decryptDeterministically(ct, field.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          "token does not decrypt under this key for field " + field
              + " (wrong key, wrong field, or not an encrypted token)");
    }
  }

  public String decrypt(String field, String token) {
    return new String(decryptBytes(field, token), StandardCharsets.UTF_8);
  }

  /**
   * Keeps at most the first {@code keepFirst} and last {@code keepLast} characters and stars the
   * rest; a value that would then show more than two thirds of itself, or hide fewer than four
   * characters, is starred whole. A 16-digit card keeps its first six and last four.
   */
  public static String mask(String value, int keepFirst, int keepLast) {
    int n = value.length();
    int hidden = n - keepFirst - keepLast;
    if (hidden < 4 || hidden * 3 < n) {
      char[] all = new char[n];
      Arrays.fill(all, '*');
      return new String(all);
    }
    StringBuilder b = new StringBuilder(n);
    b.append(value, 0, keepFirst);
    for (int i = keepFirst; i < n - keepLast; i++) {
      b.append('*');
    }
    b.append(value, n - keepLast, n);
    return b.toString();
  }

  private Mac mac(String field) {
    if (macs == null) {
      macs = new HashMap<>();
    }
    Mac mac = macs.get(field);
    if (mac == null) {
      try {
        Mac derive = Mac.getInstance("HmacSHA256");
        derive.init(new SecretKeySpec(keys.hmacSecret(), "HmacSHA256"));
        byte[] fieldKey =
            derive.doFinal(("sluice/hash/" + keys.version() + "/" + field)
                .getBytes(StandardCharsets.UTF_8));
        mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(fieldKey, "HmacSHA256"));
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("HmacSHA256 is not available", e);
      }
      macs.put(field, mac);
    }
    return mac;
  }

  private DeterministicAead aead() {
    if (aead == null) {
      try {
        aead = keys.keysetHandle().getPrimitive(DeterministicAead.class);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the AES-SIV keyset cannot be used", e);
      }
    }
    return aead;
  }
}
