package dev.sluice.io.streams;


import dev.sluice.io.aws.Aws;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchRequestEntry;
import software.amazon.awssdk.services.sqs.model.DeleteMessageBatchResponse;

/**
 * Deletes SQS messages by receipt handle, ten at a time. A handle that no longer works means
 * the message was delivered again meanwhile; that delivery will be stored (idempotently) and
 * deleted in its turn, so a failed delete is counted, not fatal.
 *
 * <p>Not thread-safe; one per DoFn instance.
 */
public final class SqsAcker implements Serializable {
  private static final Logger LOG = LoggerFactory.getLogger(SqsAcker.class);
  private final Aws aws;
  private final String queueUrl;
  private final boolean deferred;
  private transient SqsClient client;

  public SqsAcker(Aws aws, String queueUrl) {
    this(aws, queueUrl, false);
  }

  private SqsAcker(Aws aws, String queueUrl, boolean deferred) {
    this.aws = aws;
    this.queueUrl = queueUrl;
    this.deferred = deferred;
  }

  /**
   * An acker that deletes nothing: the source deletes at completed checkpoints instead (see
   * {@link SqsSource#deletingAtCheckpoints}).
   */
  public static SqsAcker deferredToCheckpoints(Aws aws, String queueUrl) {
    return new SqsAcker(aws, queueUrl, true);
  }

  /** True when the source deletes at completed checkpoints and this acker deletes nothing. */
  public boolean deletesAtCheckpoints() {
    return deferred;
  }

  /** Deletes the messages; returns how many deletes SQS refused. */
  public int ack(List<String> receiptHandles) {
    if (deferred || receiptHandles.isEmpty()) {
      return 0;
    }
    if (client == null) {
      client = aws.sqs();
    }
    int failed = 0;
    for (int from = 0; from < receiptHandles.size(); from += 10) {
      List<DeleteMessageBatchRequestEntry> entries = new ArrayList<>();
      List<String> chunk = receiptHandles.subList(from, Math.min(from + 10, receiptHandles.size()));
      for (int i = 0; i < chunk.size(); i++) {
        entries.add(DeleteMessageBatchRequestEntry.builder().id(Integer.toString(i))
            .receiptHandle(chunk.get(i)).build());
      }
      DeleteMessageBatchResponse r =
          client.deleteMessageBatch(b -> b.queueUrl(queueUrl).entries(entries));
      failed += r.failed().size();
    }
    if (failed > 0) {
      LOG.warn("{} of {} SQS deletes were refused (messages delivered again meanwhile)", failed,
          receiptHandles.size());
    }
    return failed;
  }

  public void close() {
    if (client != null) {
      client.close();
      client = null;
    }
  }
}
