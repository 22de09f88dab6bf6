package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import static dev.sluice.feed.PipelineFixtures.eventsFile;
import static dev.sluice.feed.PipelineFixtures.eventsSpec;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sluice.core.pii.Protector;
import dev.sluice.core.pii.SluiceKeys;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.PageSet;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.domain.StorageType;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * {@link SluicePipeline#run} reading from and writing to S3, served in-process by S3Proxy over
 * an in-memory jclouds blob store with signed (V2 or V4) requests. The test sets up and inspects
 * the store through jclouds directly, never through Beam. Each test gets a bucket of its own.
 *
 * <p>The endpoint names a host, {@code localhost}, not an address: {@code <bucket>.localhost}
 * does not resolve, so the runs work only because Sluice switches to path-style requests when an
 * endpoint is set.
 */
@RunWith(JUnit4.class)
public class S3IT {
  private static final String ACCESS_KEY = "sluice-it";
  private static final String SECRET_KEY = "sluice-it-secret";
  private static final String FEED_FILE = "events-2024-03-09.jsonl";
  private static final String SHARD = "events-00000-of-00001";
  private static final String CHOSEN_UUID = "b8a1abcd-1a69-16c7-4da4-f9fc3c6da5d7";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final AtomicInteger BUCKETS = new AtomicInteger();

  private static BlobStoreContext context;
  private static S3Proxy proxy;
  private static URI endpoint;

  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @BeforeClass
  public static void startS3Proxy() throws Exception {
    context =
        ContextBuilder.newBuilder("transient")
            .credentials("identity", "credential")
            .build(BlobStoreContext.class);
    proxy =
        S3Proxy.builder()
            .blobStore(context.getBlobStore())
            .endpoint(URI.create("http://127.0.0.1:0"))
            .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
            .ignoreUnknownHeaders(true)
            .build();
    proxy.start();
    assertEquals("STARTED", proxy.getState());
    endpoint = URI.create("http://localhost:" + proxy.getPort());
  }

  @AfterClass
  public static void stopS3Proxy() throws Exception {
    try {
      if (proxy != null) {
        proxy.stop();
      }
    } finally {
      if (context != null) {
        context.close();
      }
    }
  }

  private static BlobStore store() {
    return context.getBlobStore();
  }

  /** A new bucket holding the events file under in/, and a file the input glob must skip. */
  private static String bucketWithEvents() throws IOException {
    String bucket = "sluice-it-" + BUCKETS.incrementAndGet();
    assertTrue(store().createContainerInLocation(null, bucket));
    byte[] events = Files.readAllBytes(eventsFile());
    store().putBlob(bucket, store().blobBuilder("in/" + FEED_FILE).payload(events)
        .contentLength(events.length).build());
    byte[] notes = "not a feed file\n".getBytes(StandardCharsets.UTF_8);
    store().putBlob(bucket, store().blobBuilder("in/notes.txt").payload(notes)
        .contentLength(notes.length).build());
    return bucket;
  }

  private SluiceOptions options(String bucket) throws IOException {
    Path dir = tmp.getRoot().toPath();
    Path keyFile = dir.resolve("keys.json");
    if (!Files.exists(keyFile)) {
      PipelineFixtures.writeKeyFile(SluiceKeys.generate("v1"), dir);
    }
    SluiceOptions o = PipelineOptionsFactory.as(SluiceOptions.class);
    o.setSpec(eventsSpec().toString());
    o.setInput("s3://" + bucket + "/in/*.jsonl");
    o.setOutput("s3://" + bucket + "/out/events");
    o.setKeyFile(keyFile.toString());
    o.setSummary(dir.resolve("summary.json").toString());
    o.setEndpoint(endpoint);
    o.setAwsRegion(Region.US_EAST_1);
    o.setAwsCredentialsProvider(
        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)));
    return o;
  }

  /** Every object key under a prefix. */
  private static TreeSet<String> keys(String bucket, String prefix) {
    TreeSet<String> out = new TreeSet<>();
    String marker = null;
    do {
      ListContainerOptions opts = ListContainerOptions.Builder.prefix(prefix).recursive();
      if (marker != null) {
        opts.afterMarker(marker);
      }
      PageSet<? extends StorageMetadata> page = store().list(bucket, opts);
      for (StorageMetadata m : page) {
        if (m.getType() == StorageType.BLOB) {
          out.add(m.getName());
        }
      }
      marker = page.getNextMarker();
    } while (marker != null);
    return out;
  }

  private static byte[] object(String bucket, String key) throws IOException {
    Blob blob = store().getBlob(bucket, key);
    assertNotNull("no object " + key, blob);
    try (InputStream in = blob.getPayload().openStream()) {
      return in.readAllBytes();
    }
  }

  /** An object's lines, gunzipped where its key says so. */
  private static List<String> lines(String bucket, String key) throws IOException {
    byte[] bytes = object(bucket, key);
    if (key.endsWith(".gz")) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
        bytes = in.readAllBytes();
      }
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isEmpty()) {
        out.add(line);
      }
    }
    return out;
  }

  /** The keys a run of the events file must leave under out/events/, from the file itself. */
  private static TreeSet<String> expectedKeys() {
    TreeSet<String> out = new TreeSet<>();
    for (String partition : PipelineFixtures.expectedEventPartitions(eventsFile()).keySet()) {
      out.add("out/events/" + partition + "/" + SHARD + ".jsonl.gz");
    }
    out.add("out/events/_dead_letters/parse/" + SHARD + ".jsonl");
    out.add("out/events/_dead_letters/validate/" + SHARD + ".jsonl");
    return out;
  }

  /** A run from s3:// to s3:// writes a gzipped file per partition and dead letters by stage. */
  @Test
  public void runReadsAndWritesS3() throws Exception {
    String bucket = bucketWithEvents();
    SluiceOptions options = options(bucket);

    RunLedger ledger = SluicePipeline.run(options);

    assertEquals(ledger.line(), 73, ledger.read());
    assertEquals(60, ledger.written());
    assertEquals(5, ledger.duplicates());
    assertEquals(Map.of("parse", 3L, "validate", 5L), ledger.rejectedByStage());
    assertEquals(73, ledger.written() + ledger.duplicates() + ledger.rejected());

    assertEquals(expectedKeys(), keys(bucket, "out/"));

    Map<String, Long> rowsPerObject = new TreeMap<>();
    for (String key : keys(bucket, "out/events/event_type=")) {
      rowsPerObject.put(key.substring("out/events/".length(), key.lastIndexOf('/')),
          (long) lines(bucket, key).size());
    }
    assertEquals(PipelineFixtures.expectedEventPartitions(eventsFile()), rowsPerObject);

    JsonNode chosen = PipelineFixtures.goodUniqueEvents(eventsFile()).get(CHOSEN_UUID);
    String key = "out/events/" + PipelineFixtures.eventPartition(chosen) + "/" + SHARD
        + ".jsonl.gz";
    assertEquals("out/events/event_type=lesson/dt=2024-03-11/" + SHARD + ".jsonl.gz", key);
    JsonNode row = null;
    for (String line : lines(bucket, key)) {
      JsonNode n = MAPPER.readTree(line);
      if (CHOSEN_UUID.equals(n.get("event_uuid").asText())) {
        row = n;
      }
    }
    assertNotNull("row " + CHOSEN_UUID + " in " + key, row);
    assertEquals("lesson:completed", row.get("event_name").asText());
    assertEquals("lesson", row.get("event_type").asText());
    assertEquals("completed", row.get("event_subtype").asText());
    assertEquals(Instant.ofEpochSecond(chosen.get("created_at").asLong()),
        Instant.parse(row.get("created_at").asText()));
    assertEquals(chosen.get("payload"), row.get("payload"));

    Protector protector =
        new Protector(dev.sluice.feed.Keys.fromFile(options.getKeyFile()));
    List<String> fileLines = PipelineFixtures.lines(eventsFile());
    Map<String, String> stages = new TreeMap<>();
    for (String stage : List.of("parse", "validate")) {
      for (String line : lines(bucket, "out/events/_dead_letters/" + stage + "/" + SHARD
          + ".jsonl")) {
        JsonNode d = MAPPER.readTree(line);
        assertEquals(stage, d.get("stage").asText());
        assertEquals("events", d.get("feed").asText());
        String origin = d.get("origin").asText();
        String prefix = "s3://" + bucket + "/in/" + FEED_FILE + ":";
        assertTrue(origin, origin.startsWith(prefix));
        int lineNo = Integer.parseInt(origin.substring(prefix.length()));
        assertEquals(fileLines.get(lineNo - 1),
            protector.decrypt(Protector.PAYLOAD_FIELD, d.get("payload_encrypted").asText()));
        stages.put(String.format("%02d", lineNo), stage);
      }
    }
    assertEquals(
        Map.of("31", "parse", "71", "parse", "73", "parse", "32", "validate", "33", "validate",
            "34", "validate", "70", "validate", "72", "validate"),
        stages);
  }

  /** Refused credentials fail the run at start as unlistable input, in one line with no secret. */
  @Test
  public void refusedCredentialsFailAtStart() throws Exception {
    String bucket = bucketWithEvents();
    SluiceOptions options = options(bucket);
    options.setAwsCredentialsProvider(
        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, "wrong-secret")));

    try {
      SluicePipeline.run(options);
      fail("a run with refused credentials must fail");
    } catch (SluiceException e) {
      assertThat(e.getMessage(),
          startsWith("--input=s3://" + bucket + "/in/*.jsonl: cannot be listed ("));
      assertThat(e.getMessage(), containsString("403"));
      assertThat(e.getMessage(), not(containsString("wrong-secret")));
      assertThat(e.getMessage(), not(containsString(SECRET_KEY)));
      assertFalse(e.getMessage(), e.getMessage().contains("\n"));
    }
    assertEquals(new TreeSet<>(List.of("in/" + FEED_FILE, "in/notes.txt")), keys(bucket, ""));
    assertFalse(Files.exists(tmp.getRoot().toPath().resolve("summary.json")));
  }

  /** A second run over the same input replaces its objects: same keys, same rows, no copies. */
  @Test
  public void secondRunLeavesTheSameKeys() throws Exception {
    String bucket = bucketWithEvents();
    RunLedger first = SluicePipeline.run(options(bucket));
    TreeSet<String> keysAfterFirst = keys(bucket, "");
    Map<String, List<String>> contentAfterFirst = sortedContent(bucket);

    RunLedger second = SluicePipeline.run(options(bucket));

    assertEquals(first.line(), second.line());
    assertEquals(keysAfterFirst, keys(bucket, ""));
    TreeSet<String> expected = expectedKeys();
    expected.add("in/" + FEED_FILE);
    expected.add("in/notes.txt");
    assertEquals(expected, keysAfterFirst);
    assertEquals(contentAfterFirst, sortedContent(bucket));
  }

  /** Each output object's lines, sorted: a re-run may write a file's rows in another order. */
  private static Map<String, List<String>> sortedContent(String bucket) throws IOException {
    Map<String, List<String>> out = new TreeMap<>();
    for (String key : keys(bucket, "out/")) {
      List<String> lines = lines(bucket, key);
      Collections.sort(lines);
      out.put(key, lines);
    }
    return out;
  }

  /**
   * What killed runs left under the output (temp objects, an unfinished multipart upload) is
   * gone after the next run, which leaves exactly its own files.
   */
  @Test
  public void nextRunRemovesDebrisOfKilledRuns() throws Exception {
    String bucket = bucketWithEvents();
    byte[] junk = "left by a killed run".getBytes(StandardCharsets.UTF_8);
    for (String key : List.of("out/events/.temp-sluice-killed/part-1",
        "out/events/_dead_letters/.temp-sluice-killed/part-2")) {
      store().putBlob(bucket, store().blobBuilder(key).payload(junk).contentLength(junk.length)
          .build());
    }
    // Started through the S3 API, as Beam's writer starts them, each with one part uploaded.
    try (software.amazon.awssdk.services.s3.S3Client s3 =
        software.amazon.awssdk.services.s3.S3Client.builder()
            .endpointOverride(endpoint).region(Region.US_EAST_1).forcePathStyle(true)
            .credentialsProvider(StaticCredentialsProvider.create(
                AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
            .build()) {
      for (String key : List.of("out/events/.temp-sluice-killed/big", "elsewhere/big")) {
        String id = s3.createMultipartUpload(b -> b.bucket(bucket).key(key)).uploadId();
        s3.uploadPart(b -> b.bucket(bucket).key(key).uploadId(id).partNumber(1),
            software.amazon.awssdk.core.sync.RequestBody.fromBytes(junk));
      }
    }
    assertEquals(2, store().listMultipartUploads(bucket).size());

    RunLedger ledger = SluicePipeline.run(options(bucket));

    assertTrue(ledger.line(), ledger.balanced());
    assertEquals(expectedKeys(), keys(bucket, "out/"));
    List<String> uploads = new ArrayList<>();
    store().listMultipartUploads(bucket).forEach(u -> uploads.add(u.blobName()));
    assertEquals(List.of("elsewhere/big"), uploads);
  }
}
