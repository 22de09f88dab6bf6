package dev.sluice.core;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.core.model.RawRecord;
import dev.sluice.core.pii.SluiceKeys;
import dev.sluice.core.spec.FeedSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Shared test inputs: the shipped feed specs, keys with a known HMAC secret, and the expected
 * hash computed straight from javax.crypto with the documented derivation (never through the
 * code under test).
 */
public final class Fixtures {
  /** 32 bytes 0x00..0x1f: the HMAC secret of {@link #keys()}. */
  public static final byte[] SECRET = secret();

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static SluiceKeys keys;

  private Fixtures() {}

  private static byte[] secret() {
    byte[] s = new byte[32];
    for (int i = 0; i < s.length; i++) {
      s[i] = (byte) i;
    }
    return s;
  }

  /** The repository's testdata folder, found from the module or the repository root. */
  public static Path testdata() {
    Path dir = Paths.get("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      Path t = d.resolve("testdata");
      if (Files.isDirectory(t.resolve("events"))) {
        return t;
      }
    }
    throw new IllegalStateException("no testdata folder above " + dir);
  }

  public static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static FeedSpec shippedSpec(String feed) {
    Path p = testdata().resolve(feed).resolve("spec.json");
    return FeedSpec.parse(read(p), p.toString());
  }

  public static FeedSpec events() {
    return shippedSpec("events");
  }

  public static FeedSpec userLogins() {
    return shippedSpec("user_logins");
  }

  /** Version v1 keys whose HMAC secret is {@link #SECRET}, with a fresh AES-SIV keyset. */
  public static synchronized SluiceKeys keys() {
    if (keys == null) {
      try {
        ObjectNode json = (ObjectNode) MAPPER.readTree(SluiceKeys.generate("v1").toJson());
        json.put("hmac_secret", Base64.getEncoder().encodeToString(SECRET));
        keys = SluiceKeys.parse(json.toString(), "test keys");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return keys;
  }

  /** version + ":" + base64url(HMAC(HMAC(secret, "sluice/hash/" + version + "/" + field), v)). */
  public static String expectedHash(byte[] secret, String version, String field, String value) {
    try {
      Mac derive = Mac.getInstance("HmacSHA256");
      derive.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] fieldKey =
          derive.doFinal(("sluice/hash/" + version + "/" + field).getBytes(StandardCharsets.UTF_8));
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(fieldKey, "HmacSHA256"));
      byte[] d = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
      return version + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(d);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The expected hash under {@link #keys()}. */
  public static String expectedHash(String field, String value) {
    return expectedHash(SECRET, "v1", field, value);
  }

  public static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  public static RawRecord raw(String payload, String origin) {
    return RawRecord.of(utf8(payload), origin);
  }
}
