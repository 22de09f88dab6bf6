package dev.sluice.feed;


import dev.sluice.io.SluiceException;
import dev.sluice.io.aws.Aws;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException;

/**
 * What {@code --input} names: files (a local glob or {@code s3://...}), a Kinesis stream
 * ({@code kinesis://STREAM}) or an SQS queue ({@code sqs://QUEUE}, by name or URL).
 */
public final class Input {
  /** The kind of source. */
  public enum Kind {
    FILES,
    KINESIS,
    SQS
  }

  public final Kind kind;
  public final String name;

  private Input(Kind kind, String name) {
    this.kind = kind;
    this.name = name;
  }

  public static Input parse(String input) {
    if (input == null || input.isBlank()) {
      throw new SluiceException("--input is empty");
    }
    if (input.startsWith("kinesis://")) {
      String stream = input.substring("kinesis://".length());
      if (!stream.matches("[a-zA-Z0-9_.-]{1,128}")) {
        throw new SluiceException("--input=" + input + ": not a Kinesis stream name");
      }
      return new Input(Kind.KINESIS, stream);
    }
    if (input.startsWith("sqs://")) {
      String queue = input.substring("sqs://".length());
      if (queue.isEmpty()) {
        throw new SluiceException("--input=" + input + ": name the queue, as sqs://QUEUE");
      }
      return new Input(Kind.SQS, queue);
    }
    return new Input(Kind.FILES, SluicePipeline.localToAbsolute(input));
  }

  /** The queue's URL: as given, or looked up by name; one clear line if it is not there. */
  public String queueUrl(Aws aws) {
    if (name.startsWith("http://") || name.startsWith("https://")) {
      return name;
    }
    try (SqsClient sqs = aws.sqs()) {
      return sqs.getQueueUrl(b -> b.queueName(name)).queueUrl();
    } catch (QueueDoesNotExistException e) {
      throw new SluiceException("SQS queue " + name + " does not exist (" + aws.describe() + ")");
    } catch (SdkException e) {
      throw new SluiceException("cannot reach SQS (" + aws.describe() + "): "
          + SluiceException.rootCause(e));
    }
  }

  public String describe() {
    switch (kind) {
      case KINESIS:
        return "kinesis://" + name;
      case SQS:
        return "sqs://" + name;
      default:
        return name;
    }
  }
}
