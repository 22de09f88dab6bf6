package dev.sluice.io.aws;

import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * S3 clients with path-style addressing, for S3-compatible servers (S3Proxy, MinIO) behind a
 * custom {@code --endpoint}, where bucket host names do not resolve. Sluice picks it whenever
 * an endpoint is set and no other factory was named.
 */
public class PathStyleS3ClientBuilderFactory extends DefaultS3ClientBuilderFactory {
  @Override
  public S3ClientBuilder createBuilder(S3Options options) {
    return super.createBuilder(options).forcePathStyle(true);
  }
}
