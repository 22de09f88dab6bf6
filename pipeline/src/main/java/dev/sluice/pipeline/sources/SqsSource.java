package dev.sluice.pipeline.sources;

import dev.sluice.transforms.model.RawRecord;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
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

  public SqsSource(Aws aws, String queueUrl, int visibilityTimeoutSeconds,
      EventTimeWatermark watermark) {
    this.aws = aws;
    this.queueUrl = queueUrl;
    this.visibilityTimeoutSeconds = visibilityTimeoutSeconds;
    this.watermark = watermark;
  }

  /**
   * Only the watermark's state: SQS itself keeps unacknowledged messages, so nothing is
   * acknowledged when a checkpoint is finalized.
   */
  public static final class Checkpoint implements UnboundedSource.CheckpointMark, Serializable {
    final long maxEventTimeMillis;
    final long watermarkMillis;

    Checkpoint(long maxEventTimeMillis, long watermarkMillis) {
      this.maxEventTimeMillis = maxEventTimeMillis;
      this.watermarkMillis = watermarkMillis;
    }

    @Override
    public void finalizeCheckpoint() {}
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

  static final class Reader extends UnboundedReader<RawRecord> {
    private final SqsSource source;
    private final EventTimeWatermark watermark;
    private final String queue;
    private final Deque<Message> buffer = new ArrayDeque<>();
    private SqsClient client;
    private RawRecord current;
    private Instant currentTimestamp;
    private long lastDrainCheck;
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
      return advance();
    }

    @Override
    public boolean advance() throws IOException {
      if (buffer.isEmpty()) {
        receive();
      }
      Message m = buffer.poll();
      if (m == null) {
        current = null;
        return false;
      }
      String sent = m.attributes().get(MessageSystemAttributeName.SENT_TIMESTAMP);
      long arrival = sent == null ? System.currentTimeMillis() : Long.parseLong(sent);
      byte[] body = m.body().getBytes(StandardCharsets.UTF_8);
      current = new RawRecord(body, "sqs:" + queue + "/" + m.messageId(), m.messageId(),
          arrival, null, m.receiptHandle());
      currentTimestamp = new Instant(arrival);
      watermark.update(body, currentTimestamp);
      return true;
    }

    private void receive() {
      List<Message> got =
          client
              .receiveMessage(
                  b -> b.queueUrl(source.queueUrl)
                      .maxNumberOfMessages(10)
                      .waitTimeSeconds(1)
                      .visibilityTimeout(source.visibilityTimeoutSeconds)
                      .attributeNames(QueueAttributeName.ALL))
              .messages();
      buffer.addAll(got);
    }

    @Override
    public RawRecord getCurrent() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      return current;
    }

    @Override
    public Instant getCurrentTimestamp() {
      if (current == null) {
        throw new NoSuchElementException();
      }
      return currentTimestamp;
    }

    @Override
    public Instant getWatermark() {
      return watermark.watermark(isDrained());
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
      return new Checkpoint(watermark.maxEventTimeMillis(), watermark.currentMillis());
    }

    @Override
    public UnboundedSource<RawRecord, ?> getCurrentSource() {
      return source;
    }

    @Override
    public void close() {
      if (client != null) {
        client.close();
      }
    }
  }
}
