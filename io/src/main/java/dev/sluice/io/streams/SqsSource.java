package dev.sluice.io.streams;


import dev.sluice.io.aws.Aws;
import dev.sluice.io.metrics.SinkCounters;
import dev.sluice.core.model.RawRecord;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.Map;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.SerializableCoder;
import org.apache.beam.sdk.io.UnboundedSource;
import org.apache.beam.sdk.options.PipelineOptions;
import org.joda.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * An SQS queue as an unbounded source that never deletes: each record carries its receipt
 * handle as its ack id, and the step that stores the record's outcome deletes the message after
 * its transaction commits (see {@code StoreAndAck}). A run killed at any point therefore loses
 * nothing: unacknowledged messages reappear after the visibility timeout, and the key upsert
 * absorbs the second delivery. Beam's SqsIO deletes when the source checkpoint is finalized,
 * which on the DirectRunner comes before the rows are stored.
 *
 * <p>On a runner whose checkpoints complete only after every step has finished its bundle (Flink
 * with {@code --finishBundleBeforeCheckpointing}), {@link #deletingAtCheckpoints} moves the
 * delete later still: a message is deleted when the checkpoint that holds its record completes,
 * which is after its row is stored and after every other output (a window's file pane) holds it
 * in checkpointed state. A restore to an earlier checkpoint then finds the message undeleted, and
 * it comes again after the visibility timeout: files lose nothing either. The DirectRunner
 * finalizes a checkpoint before the rows are stored, so there the store step deletes.
 *
 * <p>Stopping when drained: after the quiet period, the reader asks the queue; once it holds no
 * visible, in-flight or delayed messages (so every message read has been acknowledged), the
 * watermark moves to the end of time and the run finishes.
 */
public final class SqsSource extends UnboundedSource<RawRecord, SqsSource.Checkpoint> {
  private static final Logger LOG = LoggerFactory.getLogger(SqsSource.class);

  private final Aws aws;
  private final String queueUrl;
  private final int visibilityTimeoutSeconds;
  private final EventTimeWatermark watermark;
  private final boolean deleteAtCheckpoints;

  public SqsSource(Aws aws, String queueUrl, int visibilityTimeoutSeconds,
      EventTimeWatermark watermark) {
    this(aws, queueUrl, visibilityTimeoutSeconds, watermark, false);
  }

  private SqsSource(Aws aws, String queueUrl, int visibilityTimeoutSeconds,
      EventTimeWatermark watermark, boolean deleteAtCheckpoints) {
    this.aws = aws;
    this.queueUrl = queueUrl;
    this.visibilityTimeoutSeconds = visibilityTimeoutSeconds;
    this.watermark = watermark;
    this.deleteAtCheckpoints = deleteAtCheckpoints;
  }

  /** The same source, deleting each message when the checkpoint holding it completes. */
  public SqsSource deletingAtCheckpoints() {
    return new SqsSource(aws, queueUrl, visibilityTimeoutSeconds, watermark, true);
  }

  /**
   * The watermark's state and, when deleting at checkpoints, the receipt handles of the messages
   * read since the previous checkpoint: SQS itself keeps unacknowledged messages, so a restore
   * needs no more.
   */
  public static final class Checkpoint implements UnboundedSource.CheckpointMark, Serializable {
    private static final long serialVersionUID = 2L;
    final long maxEventTimeMillis;
    final long watermarkMillis;
    final Aws aws;
    final String queueUrl;
    final List<String> receiptHandles;

    Checkpoint(long maxEventTimeMillis, long watermarkMillis) {
      this(maxEventTimeMillis, watermarkMillis, null, null, List.of());
    }

    Checkpoint(long maxEventTimeMillis, long watermarkMillis, Aws aws, String queueUrl,
        List<String> receiptHandles) {
      this.maxEventTimeMillis = maxEventTimeMillis;
      this.watermarkMillis = watermarkMillis;
      this.aws = aws;
      this.queueUrl = queueUrl;
      this.receiptHandles = receiptHandles;
    }

    /** Called once the checkpoint has completed: every record it covers is safely stored. */
    @Override
    public void finalizeCheckpoint() {
      if (receiptHandles.isEmpty()) {
        return;
      }
      SqsAcker acker = new SqsAcker(aws, queueUrl);
      try {
        acker.ack(receiptHandles);
      } finally {
        acker.close();
      }
    }
  }

  @Override
  public List<? extends UnboundedSource<RawRecord, Checkpoint>> split(
      int desiredNumSplits, PipelineOptions options) {
    return List.of(this);
  }

  @Override
  public UnboundedReader<RawRecord> createReader(PipelineOptions options, Checkpoint mark) {
    return new Reader(this, mark);
  }

  @Override
  public Coder<Checkpoint> getCheckpointMarkCoder() {
    return SerializableCoder.of(Checkpoint.class);
  }

  @Override
  public Coder<RawRecord> getOutputCoder() {
    return RawRecord.RawRecordCoder.of();
  }

  static String queueName(String url) {
    return url.substring(url.lastIndexOf('/') + 1);
  }

  /** Receive calls in flight at once: each takes up to ten messages. */
  static final int RECEIVERS = 4;
  /** Messages received and not yet read, at most: they age towards their visibility timeout. */
  static final int PREFETCH = 400;

  static final class Reader extends HoldingReader<RawRecord> {
    private final SqsSource source;
    private final EventTimeWatermark watermark;
    private final String queue;
    private final BlockingQueue<Message> buffer = new LinkedBlockingQueue<>(PREFETCH);
    private ExecutorService receivers;
    private volatile boolean closed;
    private volatile RuntimeException receiveFailure;
    /** Receipt handles read since the last checkpoint mark (when deleting at checkpoints). */
    private List<String> unmarked = new ArrayList<>();
    private SqsClient client;
    private long lastDrainCheck;
    private long lastInFlightCheck;
    private boolean drained;

    Reader(SqsSource source, Checkpoint mark) {
      this.source = source;
      this.watermark = source.watermark.copy();
      if (mark != null) {
        watermark.restore(mark.maxEventTimeMillis, mark.watermarkMillis);
      }
      this.queue = queueName(source.queueUrl);
    }

    @Override
    public boolean start() throws IOException {
      client = source.aws.sqs();
      receivers = Executors.newFixedThreadPool(RECEIVERS, r -> {
        Thread t = new Thread(r, "sqs-receiver-" + queue);
        t.setDaemon(true);
        return t;
      });
      for (int i = 0; i < RECEIVERS; i++) {
        receivers.execute(this::receiveLoop);
      }
      return advance();
    }

    /**
     * Several receivers in flight: one receive call waits up to a second for at most ten
     * messages, so a single caller caps the rate at the round trip. Each waits for room in the
     * buffer before it asks again.
     */
    private void receiveLoop() {
      while (!closed) {
        try {
          if (buffer.remainingCapacity() < 10) {
            Thread.sleep(5);
            continue;
          }
          for (Message m : receive()) {
            buffer.put(m);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          if (!closed) {
            receiveFailure = e;
            LOG.warn("receiving from queue {} failed: {}", queue, e.toString());
            try {
              Thread.sleep(1000);
            } catch (InterruptedException ie) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        }
      }
    }

    @Override
    public boolean advance() throws IOException {
      Message m = buffer.poll();
      if (m == null && receiveFailure != null) {
        // As a single receiver did: the failure ends the bundle; the runner retries it.
        RuntimeException e = receiveFailure;
        receiveFailure = null;
        throw new IOException("receiving from queue " + queue + " failed", e);
      }
      if (m == null) {
        return holdNothing();
      }
      String sent = m.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
      long arrival = sent == null ? System.currentTimeMillis() : Long.parseLong(sent);
      byte[] body = m.body().getBytes(StandardCharsets.UTF_8);
      Instant timestamp = new Instant(arrival);
      if (source.deleteAtCheckpoints) {
        unmarked.add(m.receiptHandle());
      }
      watermark.update(body, timestamp);
      return hold(new RawRecord(body, "sqs:" + queue + "/" + m.messageId(), m.messageId(),
          arrival, null, m.receiptHandle()), timestamp);
    }

    private List<Message> receive() {
      return
          client
              .receiveMessage(
                  b -> b.queueUrl(source.queueUrl)
                      .maxNumberOfMessages(10)
                      .waitTimeSeconds(1)
                      .visibilityTimeout(source.visibilityTimeoutSeconds)
                      .attributeNames(QueueAttributeName.ALL))
              .messages();
    }

    @Override
    public Instant getWatermark() {
      reportInFlight();
      return watermark.watermark(isDrained());
    }

    /**
     * Sets the in-flight gauge from SQS's own count of messages received and not yet deleted
     * (nor back to visible): the deletes happen in the store step, so only the queue knows.
     * Asked at most every five seconds; a failed ask leaves the gauge as it was.
     */
    private void reportInFlight() {
      long now = System.currentTimeMillis();
      if (now - lastInFlightCheck < 5000) {
        return;
      }
      lastInFlightCheck = now;
      try {
        String v = client
            .getQueueAttributes(b -> b.queueUrl(source.queueUrl)
                .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
            .attributes().get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
        if (v != null) {
          SinkCounters.sqsInFlight().set(Long.parseLong(v));
        }
      } catch (RuntimeException e) {
        LOG.debug("queue {}: in-flight count not read: {}", queue, e.toString());
      }
    }

    /** Asked at most once a second, and only once the quiet period has passed. */
    private boolean isDrained() {
      if (drained) {
        return true;
      }
      if (!watermark.stopsWhenQuiet() || !watermark.quiet() || !buffer.isEmpty()) {
        return false;
      }
      long now = System.currentTimeMillis();
      if (now - lastDrainCheck < 1000) {
        return false;
      }
      lastDrainCheck = now;
      Map<QueueAttributeName, String> a =
          client
              .getQueueAttributes(
                  b -> b.queueUrl(source.queueUrl)
                      .attributeNames(
                          QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                          QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                          QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
              .attributes();
      long pending = 0;
      for (String v : a.values()) {
        pending += Long.parseLong(v);
      }
      if (pending == 0) {
        LOG.info("queue {} is drained", queue);
        drained = true;
      }
      return drained;
    }

    @Override
    public UnboundedSource.CheckpointMark getCheckpointMark() {
      if (!source.deleteAtCheckpoints) {
        return new Checkpoint(watermark.maxEventTimeMillis(), watermark.currentMillis());
      }
      List<String> handles = unmarked;
      unmarked = new ArrayList<>();
      return new Checkpoint(watermark.maxEventTimeMillis(), watermark.currentMillis(),
          source.aws, source.queueUrl, handles);
    }

    @Override
    public UnboundedSource<RawRecord, ?> getCurrentSource() {
      return source;
    }

    @Override
    public void close() {
      closed = true;
      if (receivers != null) {
        receivers.shutdownNow();
        try {
          receivers.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (client != null) {
        client.close();
      }
    }
  }
}
