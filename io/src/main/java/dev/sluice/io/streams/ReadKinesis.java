package dev.sluice.io.streams;


import dev.sluice.io.aws.Aws;
import dev.sluice.core.model.RawRecord;
import java.util.Locale;
import java.util.Objects;
import org.apache.beam.sdk.io.aws2.common.ClientConfiguration;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisIO;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisRecord;
import org.apache.beam.sdk.io.aws2.kinesis.KinesisSources;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicy;
import org.apache.beam.sdk.io.aws2.kinesis.WatermarkPolicyFactory;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.joda.time.Instant;
import software.amazon.kinesis.common.InitialPositionInStream;

/**
 * Reads a Kinesis stream (every shard) with Beam's KinesisIO into raw records whose origin is
 * the stream, shard and sequence number. The watermark follows event time
 * ({@link EventTimeWatermark}); with a quiet period to stop on, the read ends once every shard
 * has been quiet that long. On Flink, the shard positions live in the checkpoint, so a restart
 * from a savepoint continues where it was; a re-read is absorbed by dedup and upserts.
 *
 * <pre>{@code p.apply(ReadKinesis.stream("events").withAws(Aws.forService("kinesis"))) }</pre>
 */
public final class ReadKinesis extends PTransform<PBegin, PCollection<RawRecord>> {
  private final String stream;
  private final Aws aws;
  private final String initialPosition;
  private final EventTimeWatermark watermark;

  private ReadKinesis(String stream, Aws aws, String initialPosition,
      EventTimeWatermark watermark) {
    this.stream = stream;
    this.aws = aws;
    this.initialPosition = initialPosition;
    this.watermark = watermark;
  }

  public static ReadKinesis stream(String stream) {
    return new ReadKinesis(Objects.requireNonNull(stream), null, "trim_horizon", null);
  }

  public ReadKinesis withAws(Aws aws) {
    return new ReadKinesis(stream, aws, initialPosition, watermark);
  }

  /** {@code trim_horizon} (everything kept) or {@code latest} (only what comes next). */
  public ReadKinesis withInitialPosition(String position) {
    String p = position.toLowerCase(Locale.ROOT);
    if (!p.equals("trim_horizon") && !p.equals("latest")) {
      throw new IllegalArgumentException("initial position is trim_horizon or latest");
    }
    return new ReadKinesis(stream, aws, p, watermark);
  }

  public ReadKinesis withWatermark(EventTimeWatermark watermark) {
    return new ReadKinesis(stream, aws, initialPosition, watermark);
  }

  @Override
  public PCollection<RawRecord> expand(PBegin input) {
    Objects.requireNonNull(aws, "ReadKinesis needs withAws(...)");
    ClientConfiguration.Builder cfg = ClientConfiguration.builder().region(aws.region());
    if (aws.endpoint() != null) {
      cfg = cfg.endpoint(aws.endpoint());
    }
    KinesisIO.Read read =
        KinesisIO.read()
            .withStreamName(stream)
            .withClientConfiguration(cfg.build())
            .withInitialPositionInStream(
                initialPosition.equals("latest")
                    ? InitialPositionInStream.LATEST
                    : InitialPositionInStream.TRIM_HORIZON);
    if (watermark != null) {
      read = read.withCustomWatermarkPolicy(new Policies(watermark));
    }
    String name = stream;
    // KinesisIO's source, every shard read concurrently by its reader's pool, a batch of
    // records per element (see ReadInBatches).
    return input
        .apply("ReadShards", ReadInBatches.of(KinesisSources.of(read), 500))
        .apply(
            "ToRawRecord",
            MapElements.into(TypeDescriptor.of(RawRecord.class))
                .via((KinesisRecord r) -> {
                  String id = r.getShardId() + "/" + r.getSequenceNumber();
                  return new RawRecord(r.getDataAsBytes(), "kinesis:" + name + "/" + id, id,
                      r.getApproximateArrivalTimestamp().getMillis(), null);
                }))
        .setCoder(RawRecord.RawRecordCoder.of());
  }

  /** One {@link EventTimeWatermark} per shard. */
  static final class Policies implements WatermarkPolicyFactory {
    private final EventTimeWatermark template;

    Policies(EventTimeWatermark template) {
      this.template = template;
    }

    @Override
    public WatermarkPolicy createWatermarkPolicy() {
      EventTimeWatermark w = template.copy();
      return new WatermarkPolicy() {
        @Override
        public Instant getWatermark() {
          return w.watermark(true);
        }

        @Override
        public void update(KinesisRecord record) {
          w.update(record.getDataAsBytes(), record.getApproximateArrivalTimestamp());
        }
      };
    }
  }

}
