package dev.sluice.cli.flink;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sluice.io.SluiceException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * The few calls of Flink's REST API that Sluice uses: cluster and job overviews, registered
 * TaskManagers, savepoints, and jar submission ({@code /jars/upload}, {@code /jars/<id>/run}),
 * with {@link HttpClient} only. Any failure is one {@link SluiceException} line.
 */
public final class FlinkRest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final String address;
  private final HttpClient http;

  /** {@code address} is {@code host:port} of the REST endpoint (or a full http URL). */
  public FlinkRest(String address) {
    this.address = address.startsWith("http") ? address : "http://" + address;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  public String address() {
    return address;
  }

  /** {@code /overview}: TaskManagers, slots, jobs running/finished/failed, Flink version. */
  public JsonNode overview() {
    return get("/overview");
  }

  /** {@code /jobs/overview}: every job the dispatcher knows, newest first. */
  public List<JsonNode> jobs() {
    List<JsonNode> jobs = new ArrayList<>();
    get("/jobs/overview").path("jobs").forEach(jobs::add);
    jobs.sort((a, b) -> Long.compare(b.path("start-time").asLong(), a.path("start-time").asLong()));
    return jobs;
  }

  public JsonNode job(String jobId) {
    return get("/jobs/" + checkId(jobId));
  }

  /** The job's state: RUNNING, FINISHED, FAILED, CANCELED, RESTARTING, ... */
  public String jobState(String jobId) {
    return job(jobId).path("state").asText();
  }

  /** {@code /taskmanagers}: the registered TaskManagers. */
  public List<JsonNode> taskManagers() {
    List<JsonNode> tms = new ArrayList<>();
    get("/taskmanagers").path("taskmanagers").forEach(tms::add);
    return tms;
  }

  /**
   * {@code /jobs/<id>/checkpoints}: counts and the latest completed checkpoint; empty while the
   * job is still initializing (the REST API has no statistics to give then).
   */
  public JsonNode checkpoints(String jobId) {
    try {
      return get("/jobs/" + checkId(jobId) + "/checkpoints");
    } catch (SluiceException e) {
      String state = jobState(jobId);
      if (state.equals("INITIALIZING") || state.equals("CREATED")) {
        return MAPPER.createObjectNode();
      }
      throw e;
    }
  }

  /** How many checkpoints of the job have completed so far. */
  public long completedCheckpoints(String jobId) {
    return checkpoints(jobId).path("counts").path("completed").asLong();
  }

  /**
   * Takes a savepoint of a running job into {@code targetDirectory} (null: the cluster's
   * {@code state.savepoints.dir}); with {@code stop}, the job stops once it is taken. Waits up
   * to {@code timeout} and returns the savepoint's path.
   */
  public String savepoint(String jobId, String targetDirectory, boolean stop, Duration timeout) {
    ObjectNode body = MAPPER.createObjectNode();
    if (targetDirectory != null) {
      body.put(stop ? "targetDirectory" : "target-directory", targetDirectory);
    }
    String trigger;
    if (stop) {
      body.put("drain", false);
      trigger = post("/jobs/" + checkId(jobId) + "/stop", body).path("request-id").asText();
    } else {
      body.put("cancel-job", false);
      trigger = post("/jobs/" + checkId(jobId) + "/savepoints", body).path("request-id").asText();
    }
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (System.currentTimeMillis() < deadline) {
      JsonNode status = get("/jobs/" + jobId + "/savepoints/" + trigger);
      if ("COMPLETED".equals(status.path("status").path("id").asText())) {
        JsonNode op = status.path("operation");
        if (op.has("failure-cause")) {
          throw new SluiceException("savepoint of job " + jobId + " failed: "
              + firstLine(op.path("failure-cause").path("stack-trace").asText(
                  op.path("failure-cause").toString())));
        }
        return op.path("location").asText();
      }
      sleep(500);
    }
    throw new SluiceException("savepoint of job " + jobId + " not done within "
        + timeout.toSeconds() + " s");
  }

  /** Cancels a job. */
  public void cancel(String jobId) {
    send(HttpRequest.newBuilder(uri("/jobs/" + checkId(jobId) + "?mode=cancel"))
        .method("PATCH", HttpRequest.BodyPublishers.noBody()).build());
  }

  /** {@code POST /jars/upload} (multipart, field {@code jarfile}); returns the jar's id. */
  public String uploadJar(Path jar) {
    String boundary = "----sluice" + UUID.randomUUID();
    byte[] head = ("--" + boundary + "\r\n"
        + "Content-Disposition: form-data; name=\"jarfile\"; filename=\""
        + jar.getFileName() + "\"\r\n"
        + "Content-Type: application/x-java-archive\r\n\r\n").getBytes(StandardCharsets.UTF_8);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
    long size;
    try {
      size = Files.size(jar);
    } catch (IOException e) {
      throw new SluiceException("cannot read " + jar + ": " + e.getMessage());
    }
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.fromPublisher(
        HttpRequest.BodyPublishers.ofInputStream(() -> {
          try {
            return new SequenceInputStream(Collections.enumeration(List.<InputStream>of(
                new java.io.ByteArrayInputStream(head), Files.newInputStream(jar),
                new java.io.ByteArrayInputStream(tail))));
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        }), head.length + size + tail.length);
    JsonNode r = send(HttpRequest.newBuilder(uri("/jars/upload"))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .timeout(Duration.ofMinutes(5))
        .POST(body).build());
    String filename = r.path("filename").asText();
    if (!"success".equals(r.path("status").asText()) || filename.isEmpty()) {
      throw new SluiceException("jar upload to " + address + " failed: " + r);
    }
    return Path.of(filename).getFileName().toString();
  }

  /**
   * {@code POST /jars/<id>/run}: runs the jar's entry class with {@code programArgs} in the
   * JobManager; returns the job id. Blocks while the program runs its client part.
   */
  public String runJar(String jarId, String entryClass, List<String> programArgs,
      Integer parallelism, String savepointPath, Duration timeout) {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("entryClass", entryClass);
    var args = body.putArray("programArgsList");
    programArgs.forEach(args::add);
    if (parallelism != null) {
      body.put("parallelism", parallelism);
    }
    if (savepointPath != null) {
      body.put("savepointPath", savepointPath);
    }
    JsonNode r = send(HttpRequest.newBuilder(uri("/jars/" + jarId + "/run"))
        .header("Content-Type", "application/json")
        .timeout(timeout)
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
    String jobId = r.path("jobid").asText();
    if (jobId.isEmpty()) {
      throw new SluiceException("jar run on " + address + " gave no job id: " + r);
    }
    return jobId;
  }

  /** Waits until the REST API answers; {@code check} runs between tries (may throw). */
  public void awaitUp(long timeoutMillis, Runnable check) {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    while (true) {
      try {
        overview();
        return;
      } catch (SluiceException e) {
        if (System.currentTimeMillis() > deadline) {
          throw new SluiceException("the JobManager's REST API at " + address
              + " did not answer within " + timeoutMillis / 1000 + " s");
        }
      }
      check.run();
      sleep(250);
    }
  }

  /**
   * A GET, tried again on a 5xx: while a TaskManager is lost and the job restarts, the
   * JobManager answers some reads (checkpoint statistics, job details) with a 500 for a moment.
   * A GET changes nothing, so asking again is safe; POSTs are never repeated.
   */
  public JsonNode get(String path) {
    HttpRequest request =
        HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build();
    for (int attempt = 1; ; attempt++) {
      try {
        return send(request);
      } catch (ServerError e) {
        if (attempt >= GET_ATTEMPTS) {
          throw e;
        }
        sleep(250L << attempt);
      }
    }
  }

  /** Tries of a GET that meets 5xx answers: about 7.5 s of waiting in all. */
  static final int GET_ATTEMPTS = 5;

  /** A 5xx answer: the JobManager's trouble, maybe passing. */
  static final class ServerError extends SluiceException {
    ServerError(String message) {
      super(message);
    }
  }

  JsonNode post(String path, JsonNode body) {
    return send(HttpRequest.newBuilder(uri(path))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build());
  }

  private URI uri(String path) {
    return URI.create(address + path);
  }

  private static String checkId(String jobId) {
    if (jobId == null || !jobId.matches("[0-9a-f]{32}")) {
      throw new SluiceException("not a Flink job id: " + jobId + " (32 hex digits)");
    }
    return jobId;
  }

  private JsonNode send(HttpRequest request) {
    HttpResponse<InputStream> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    } catch (ConnectException e) {
      throw new SluiceException("no Flink cluster answers at " + address
          + " (start one: sluice flink start)");
    } catch (IOException e) {
      throw new SluiceException("Flink REST call " + request.method() + " "
          + request.uri().getPath() + " failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SluiceException("interrupted");
    }
    String text;
    try (InputStream in = response.body()) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      text = b.toString(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new SluiceException("Flink REST call " + request.uri().getPath() + " failed: " + e);
    }
    JsonNode json;
    try {
      json = text.isBlank() ? MAPPER.createObjectNode() : MAPPER.readTree(text);
    } catch (IOException e) {
      json = MAPPER.createObjectNode().put("text", text);
    }
    if (response.statusCode() >= 500) {
      throw new ServerError("Flink REST " + request.method() + " " + request.uri().getPath()
          + " answered " + response.statusCode() + ": " + errors(json));
    }
    if (response.statusCode() >= 300) {
      throw new SluiceException("Flink REST " + request.method() + " " + request.uri().getPath()
          + " answered " + response.statusCode() + ": " + errors(json));
    }
    return json;
  }

  /** Flink puts errors in {"errors": [...]}, the first often a whole stack trace. */
  private static String errors(JsonNode json) {
    JsonNode errors = json.path("errors");
    if (!errors.isArray() || errors.isEmpty()) {
      return firstLine(json.toString());
    }
    List<String> lines = new ArrayList<>();
    for (JsonNode e : errors) {
      String t = e.asText();
      lines.add(firstLine(t));
      // The cause that a user can act on is usually the last "Caused by:".
      int caused = t.lastIndexOf("Caused by: ");
      if (caused >= 0) {
        lines.add(firstLine(t.substring(caused)));
      }
    }
    return String.join(" / ", lines);
  }

  static String firstLine(String text) {
    int nl = text.indexOf('\n');
    String l = nl < 0 ? text : text.substring(0, nl);
    return l.length() > 500 ? l.substring(0, 500) + "..." : l;
  }

  /** Sleeps between polls of the REST API; an interrupt ends the wait as a SluiceException. */
  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SluiceException("interrupted");
    }
  }
}
