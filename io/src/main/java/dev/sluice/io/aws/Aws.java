package dev.sluice.io.aws;

import dev.sluice.io.SluiceException;
import java.io.Serializable;
import java.net.URI;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * Where an AWS service is and in which region, the way the AWS tools say it: the endpoint from
 * {@code AWS_ENDPOINT_URL_<SERVICE>} or {@code AWS_ENDPOINT_URL}, or the system properties
 * {@code aws.endpointUrl<Service>} / {@code aws.endpointUrl} (all unset against real AWS), the
 * region from the default region chain ({@code AWS_REGION}, profile), credentials from the
 * default credential chain. Serializable, so workers build their own clients.
 */
public final class Aws implements Serializable {
  private final String service;
  private final String endpoint;
  private final String region;

  private Aws(String service, String endpoint, String region) {
    this.service = service;
    this.endpoint = endpoint;
    this.region = region;
  }

  /** Settings for a service ({@code sqs}, {@code kinesis}, {@code s3}) from the environment. */
  public static Aws forService(String service) {
    return forService(service, System.getenv());
  }

  public static Aws forService(String service, Map<String, String> env) {
    String endpoint = endpointFor(service, env);
    String region;
    try {
      region = new DefaultAwsRegionProviderChain().getRegion().id();
    } catch (RuntimeException e) {
      if (endpoint == null) {
        throw new SluiceException("no AWS region: set AWS_REGION (or a profile's region)");
      }
      region = "us-east-1";
    }
    if (endpoint != null) {
      try {
        URI.create(endpoint);
      } catch (IllegalArgumentException e) {
        throw new SluiceException("AWS endpoint for " + service + " is not a URL: " + endpoint);
      }
    }
    return new Aws(service, endpoint, region);
  }

  private static String endpointFor(String service, Map<String, String> env) {
    String endpoint = env.get("AWS_ENDPOINT_URL_" + service.toUpperCase(Locale.ROOT));
    if (endpoint == null || endpoint.isEmpty()) {
      endpoint = env.get("AWS_ENDPOINT_URL");
    }
    if (endpoint == null || endpoint.isEmpty()) {
      endpoint = System.getProperty(sysprop(service));
    }
    if (endpoint == null || endpoint.isEmpty()) {
      endpoint = System.getProperty("aws.endpointUrl");
    }
    return endpoint == null || endpoint.isEmpty() ? null : endpoint;
  }

  /** The AWS SDK's system property for a service's endpoint: {@code aws.endpointUrlSqs}. */
  static String sysprop(String service) {
    return "aws.endpointUrl" + Character.toUpperCase(service.charAt(0))
        + service.substring(1).toLowerCase(Locale.ROOT);
  }

  /** S3 settings where an S3 endpoint is set in the environment; null against real AWS. */
  public static Aws forS3IfConfigured() {
    if (endpointFor("s3", System.getenv()) == null) {
      return null;
    }
    return forService("s3", System.getenv());
  }

  public URI endpoint() {
    return endpoint == null ? null : URI.create(endpoint);
  }

  public Region region() {
    return Region.of(region);
  }

  public String describe() {
    return service + (endpoint == null ? " in " + region : " at " + endpoint);
  }

  public SqsClient sqs() {
    return configure(SqsClient.builder()).build();
  }

  public KinesisClient kinesis() {
    return configure(KinesisClient.builder()).build();
  }

  private <B extends AwsClientBuilder<B, ?> & AwsSyncClientBuilder<B, ?>> B configure(B b) {
    b.region(region())
        .credentialsProvider(DefaultCredentialsProvider.create())
        .httpClientBuilder(ApacheHttpClient.builder());
    if (endpoint != null) {
      b.endpointOverride(endpoint());
    }
    return b;
  }
}
