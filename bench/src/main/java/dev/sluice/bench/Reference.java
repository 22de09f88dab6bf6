package dev.sluice.bench;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.google.crypto.tink.DeterministicAead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.daead.DeterministicAeadConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The work of one events run done by hand, on one thread, without Beam: what that work costs
 * on this machine, as the bar Sluice is measured against. It reads JSON lines, checks and
 * normalises each record (trim; split {@code event_name} into type and subtype; epoch seconds to
 * an ISO time; payload as canonical JSON), drops duplicates by {@code event_uuid}, hashes
 * {@code user_id} and {@code ip} with HMAC-SHA256 under per-field keys derived as Sluice derives
 * them, and writes gzip JSON lines per {@code event_type=.../dt=...} partition with Sluice's
 * file names; bad records go to dead-letter files with their payload encrypted (AES-SIV), as
 * Sluice does. Its output files hold the same lines as Sluice's (bench/run checks this).
 *
 * <pre>
 * java -cp ... dev.sluice.bench.Reference --input=DIR_OR_FILE --output=DIR --keyFile=keys.json
 *     [--gzipLevel=6]
 * </pre>
 */
public final class Reference {
  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final ObjectMapper mapper =
      JsonMapper.builder()
          .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          // Numbers as written (43.00 stays 43.00), as Sluice's parser keeps them.
          .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
          .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
          .build();
  private final JsonFactory json = new JsonFactory();
  private final Path output;
  private final int level;
  private final String version;
  private final Mac userMac;
  private final Mac ipMac;
  private final DeterministicAead aead;
  private final Map<String, OutputStream> partitions = new HashMap<>();
  private final Map<String, OutputStream> deadLetters = new HashMap<>();
  private final Set<String> seen = new HashSet<>();
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(512);
  long read;
  long written;
  long duplicates;
  long rejected;

  Reference(Path output, Path keyFile, int level) throws IOException, GeneralSecurityException {
    this.output = output;
    this.level = level;
    JsonNode keys = mapper.readTree(Files.readString(keyFile));
    this.version = keys.get("version").asText();
    byte[] secret = Base64.getDecoder().decode(keys.get("hmac_secret").asText());
    this.userMac = fieldMac(secret, version, "user_id");
    this.ipMac = fieldMac(secret, version, "ip");
    DeterministicAeadConfig.register();
    JsonNode keyset = keys.get("aead_keyset");
    this.aead = TinkJsonProtoKeysetFormat.parseKeyset(
            keyset.isTextual() ? keyset.asText() : keyset.toString(),
            InsecureSecretKeyAccess.get())
        .getPrimitive(DeterministicAead.class);
  }

  /** Sluice's per-field key: HMAC(secret, "sluice/hash/<version>/<field>"). */
  private static Mac fieldMac(byte[] secret, String version, String field)
      throws GeneralSecurityException {
    Mac derive = Mac.getInstance("HmacSHA256");
    derive.init(new SecretKeySpec(secret, "HmacSHA256"));
    byte[] key = derive.doFinal(("sluice/hash/" + version + "/" + field)
        .getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return mac;
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = Args.parse(args);
    Path input = Path.of(a.get("input"));
    Reference r = new Reference(Path.of(a.get("output")), Path.of(a.get("keyFile")),
        Integer.parseInt(a.getOrDefault("gzipLevel", "6")));
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(input)) {
      try (var s = Files.list(input)) {
        s.filter(Files::isRegularFile).sorted().forEach(files::add);
      }
    } else {
      files.add(input);
    }
    long t0 = System.nanoTime();
    for (Path f : files) {
      r.readFile(f);
    }
    r.close();
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("events: read %d = written %d + duplicates %d + rejected %d  (%.2f s)%n",
        r.read, r.written, r.duplicates, r.rejected, s);
  }

  void readFile(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      byte[] rec = new byte[1024];
      int recLen = 0;
      long lineNo = 1;
      int n;
      while ((n = in.read(buf)) > 0) {
        int from = 0;
        for (int i = 0; i < n; i++) {
          if (buf[i] == '\n') {
            int len = i - from;
            if (recLen + len > rec.length) {
              rec = java.util.Arrays.copyOf(rec, Math.max(rec.length * 2, recLen + len));
            }
            System.arraycopy(buf, from, rec, recLen, len);
            recLen += len;
            record(rec, recLen, file, lineNo++);
            recLen = 0;
            from = i + 1;
          }
        }
        int len = n - from;
        if (recLen + len > rec.length) {
          rec = java.util.Arrays.copyOf(rec, Math.max(rec.length * 2, recLen + len));
        }
        System.arraycopy(buf, from, rec, recLen, len);
        recLen += len;
      }
      if (recLen > 0) {
        record(rec, recLen, file, lineNo);
      }
    }
  }

  private void record(byte[] b, int len, Path file, long lineNo) throws IOException {
    if (len > 0 && b[len - 1] == '\r') {
      len--;
    }
    if (len == 0) {
      return;
    }
    read++;
    JsonNode node;
    try {
      node = mapper.readTree(b, 0, len);
    } catch (IOException e) {
      reject("parse", "not valid JSON", b, len, file, lineNo);
      return;
    }
    if (node == null || !node.isObject()) {
      reject("parse", "not a JSON object", b, len, file, lineNo);
      return;
    }
    String uuid = text(node.get("event_uuid"));
    String name = text(node.get("event_name"));
    JsonNode created = node.get("created_at");
    if (uuid == null || uuid.isEmpty()) {
      reject("validate", "field 'event_uuid' is required but missing", b, len, file, lineNo);
      return;
    }
    if (name == null || name.isEmpty()) {
      reject("validate", "field 'event_name' is required but missing", b, len, file, lineNo);
      return;
    }
    int colon = name.indexOf(':');
    if (colon < 0) {
      reject("validate", "field 'event_name' has no ':' to split into 'event_type'", b, len,
          file, lineNo);
      return;
    }
    long seconds;
    if (created != null && created.isIntegralNumber() && created.canConvertToLong()) {
      seconds = created.longValue();
    } else {
      try {
        seconds = Long.parseLong(text(created));
      } catch (NumberFormatException e) {
        reject("validate", "field 'created_at': expected an integer (epoch seconds)", b, len,
            file, lineNo);
        return;
      }
    }
    String type = name.substring(0, colon);
    String subtype = name.substring(colon + 1);
    if (type.isBlank() || subtype.isBlank()) {
      reject("validate", "field 'event_type' or 'event_subtype' is required but empty", b, len,
          file, lineNo);
      return;
    }
    if (!seen.add(uuid)) {
      duplicates++;
      return;
    }
    long millis = seconds * 1000L;
    Instant at = Instant.ofEpochMilli(millis);
    String user = text(node.get("user_id"));
    String ip = text(node.get("ip"));
    JsonNode payload = node.get("payload");

    line.reset();
    try (JsonGenerator g = mapper.createGenerator(line, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("event_uuid", uuid);
      g.writeStringField("event_name", name);
      g.writeStringField("event_type", type);
      g.writeStringField("event_subtype", subtype);
      g.writeStringField("created_at", at.toString());
      g.writeFieldName("user_id");
      writeHash(g, userMac, user);
      g.writeFieldName("masked_ip");
      writeHash(g, ipMac, ip);
      g.writeFieldName("payload");
      if (payload == null || payload.isNull()) {
        g.writeNull();
      } else {
        g.writeTree(payload);
      }
      g.writeEndObject();
    }
    line.write('\n');
    String partition = "event_type=" + encode(type) + "/dt=" + DAY.format(at);
    OutputStream out = partitions.get(partition);
    if (out == null) {
      out = open(partition, true);
      partitions.put(partition, out);
    }
    line.writeTo(out);
    written++;
  }

  private void writeHash(JsonGenerator g, Mac mac, String value) throws IOException {
    if (value == null) {
      g.writeNull();
      return;
    }
    byte[] d = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
    g.writeString(version + ":" + B64.encodeToString(d));
  }

  /** Trimmed text of a scalar; null for absent, null, or blank. */
  private static String text(JsonNode n) {
    if (n == null || n.isNull() || n.isContainerNode()) {
      return null;
    }
    String s = n.asText().strip();
    return s.isEmpty() ? null : s;
  }

  /** Sluice's partition value encoding: all but [A-Za-z0-9_.-] percent-encoded. */
  private static String encode(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-' || c == '.';
      if (!safe) {
        return dev.sluice.core.AssignPartitions.encode(s);
      }
    }
    return s.isEmpty() || s.equals(".") || s.equals("..")
        ? dev.sluice.core.AssignPartitions.encode(s) : s;
  }

  private void reject(String stage, String reason, byte[] b, int len, Path file, long lineNo)
      throws IOException {
    rejected++;
    String token;
    try {
      byte[] ct = aead.encryptDeterministically(java.util.Arrays.copyOf(b, len),
          "_payload".getBytes(StandardCharsets.UTF_8));
      token = version + ":" + B64.encodeToString(ct);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    line.reset();
    try (JsonGenerator g = json.createGenerator(line, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("feed", "events");
      g.writeStringField("stage", stage);
      g.writeStringField("reason", reason);
      g.writeStringField("origin", file + ":" + lineNo);
      g.writeStringField("payload_encrypted", token);
      g.writeEndObject();
    }
    line.write('\n');
    OutputStream out = deadLetters.get(stage);
    if (out == null) {
      out = open("_dead_letters/" + stage, false);
      deadLetters.put(stage, out);
    }
    line.writeTo(out);
  }

  private OutputStream open(String folder, boolean gzip) throws IOException {
    Path dir = output.resolve(folder);
    Files.createDirectories(dir);
    OutputStream file = Files.newOutputStream(
        dir.resolve("events-00000-of-00001.jsonl" + (gzip ? ".gz" : "")));
    if (!gzip) {
      return new java.io.BufferedOutputStream(file, 1 << 16);
    }
    // A buffered gzip stream at the level Sluice writes (Beam's GZIP: the JDK default, 6).
    return new java.io.BufferedOutputStream(new GZIPOutputStream(file, 1 << 16) {
      {
        def.setLevel(level == -1 ? Deflater.DEFAULT_COMPRESSION : level);
      }
    }, 1 << 16);
  }

  void close() throws IOException {
    for (OutputStream o : partitions.values()) {
      o.close();
    }
    for (OutputStream o : deadLetters.values()) {
      o.close();
    }
  }
}
