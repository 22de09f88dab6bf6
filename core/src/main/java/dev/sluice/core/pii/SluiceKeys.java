package dev.sluice.core.pii;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeyTemplates;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.daead.DeterministicAeadConfig;
import java.io.Serializable;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The secret material of a deployment: one secret from which every field's HMAC key is
 * derived, and a Tink AES-SIV keyset for reversible encryption, tagged with a version that
 * every token carries. Read from a file or an environment variable, never from the command
 * line; {@link #toString} never shows it.
 *
 * <pre>{@code
 * {"version": "v1", "hmac_secret": "<base64, 32 bytes>", "aead_keyset": {...Tink JSON keyset...}}
 * }</pre>
 */
public final class SluiceKeys implements Serializable {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String version;
  private final byte[] hmacSecret;
  private final String aeadKeysetJson;

  private SluiceKeys(String version, byte[] hmacSecret, String aeadKeysetJson) {
    this.version = version;
    this.hmacSecret = hmacSecret.clone();
    this.aeadKeysetJson = aeadKeysetJson;
  }

  static {
    try {
      DeterministicAeadConfig.register();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("Tink deterministic AEAD is not available", e);
    }
  }

  /** New random keys with the given version tag. */
  public static SluiceKeys generate(String version) {
    checkVersion(version);
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    try {
      KeysetHandle handle = KeysetHandle.generateNew(KeyTemplates.get("AES256_SIV"));
      String keyset =
          TinkJsonProtoKeysetFormat.serializeKeyset(handle, InsecureSecretKeyAccess.get());
      return new SluiceKeys(version, secret, keyset);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("could not generate an AES-SIV keyset", e);
    }
  }

  /** Reads keys from their JSON form; the message of a failure never holds key material. */
  public static SluiceKeys parse(String json, String where) {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(where + ": not a key file (not valid JSON)");
    }
    if (root == null || !root.isObject()) {
      throw new IllegalArgumentException(where + ": not a key file (not a JSON object)");
    }
    String version = root.path("version").asText("");
    String secret = root.path("hmac_secret").asText("");
    JsonNode keyset = root.get("aead_keyset");
    if (version.isEmpty() || secret.isEmpty() || keyset == null) {
      throw new IllegalArgumentException(
          where + ": a key file needs version, hmac_secret and aead_keyset");
    }
    checkVersion(version);
    byte[] secretBytes;
    try {
      secretBytes = Base64.getDecoder().decode(secret);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": hmac_secret is not base64");
    }
    if (secretBytes.length < 32) {
      throw new IllegalArgumentException(where + ": hmac_secret must be at least 32 bytes");
    }
    String keysetJson = keyset.isTextual() ? keyset.asText() : keyset.toString();
    SluiceKeys keys = new SluiceKeys(version, secretBytes, keysetJson);
    try {
      keys.keysetHandle();
    } catch (GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException(where + ": aead_keyset is not a Tink keyset");
    }
    return keys;
  }

  private static void checkVersion(String version) {
    if (!version.matches("^v[0-9]{1,4}$")) {
      throw new IllegalArgumentException("key version must look like v1, v2, ...");
    }
  }

  public String version() {
    return version;
  }

  byte[] hmacSecret() {
    return hmacSecret.clone();
  }

  KeysetHandle keysetHandle() throws GeneralSecurityException {
    return TinkJsonProtoKeysetFormat.parseKeyset(aeadKeysetJson, InsecureSecretKeyAccess.get());
  }

  /** The JSON form, for writing a new key file. */
  public String toJson() {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("version", version);
    root.put("hmac_secret", Base64.getEncoder().encodeToString(hmacSecret));
    try {
      root.set("aead_keyset", MAPPER.readTree(aeadKeysetJson));
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    } catch (Exception e) {
      throw new IllegalStateException("could not write keys", e);
    }
  }

  @Override
  public String toString() {
    return "SluiceKeys{version=" + version + "}";
  }
}
