package dev.sluice.io.aws;

import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.s3.DefaultS3ClientBuilderFactory;

/**
 * Points Beam's file systems at S3 the way every Sluice job does, so that {@code run},
 * {@code replay} and the lake loader read the same environment the same way.
 *
 * <pre>{@code S3FileSystems.configure(options, true); }</pre>
 */
public final class S3FileSystems {
  private S3FileSystems() {}

  /**
   * Without an {@code --endpoint}, takes {@code AWS_ENDPOINT_URL_S3} (or
   * {@code AWS_ENDPOINT_URL}) and the region from the environment when
   * {@code endpointFromEnvironment}; with an endpoint and no other client factory named, uses
   * path-style addressing (S3-compatible servers); then registers the options with
   * {@link FileSystems}.
   */
  public static void configure(S3Options options, boolean endpointFromEnvironment) {
    if (options.getEndpoint() == null && endpointFromEnvironment) {
      Aws s3 = Aws.forS3IfConfigured();
      if (s3 != null) {
        options.setEndpoint(s3.endpoint());
        options.setAwsRegion(s3.region());
      }
    }
    if (options.getEndpoint() != null
        && options.getS3ClientFactoryClass() == DefaultS3ClientBuilderFactory.class) {
      options.setS3ClientFactoryClass(PathStyleS3ClientBuilderFactory.class);
    }
    FileSystems.setDefaultPipelineOptions(options);
  }
}
