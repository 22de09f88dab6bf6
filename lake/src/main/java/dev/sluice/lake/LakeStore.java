package dev.sluice.lake;

import dev.sluice.io.SluiceException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.util.InstanceBuilder;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Where lake objects live: an S3 prefix or a local folder. Lists objects with what identifies
 * a version (S3: ETag; local: a SHA-256 of the content), and opens one for reading.
 *
 * <p>S3 is listed and read with the AWS SDK client Beam's S3 file system would use (same
 * {@code --endpoint}, {@code --awsRegion}, credentials and client factory), not through
 * {@code FileSystems.match}: Beam's glob match drops ETags and sends one HEAD per object.
 * Objects are read by their exact key with {@code If-Match} on the listed ETag, so the bytes
 * loaded are the version that was logged.
 */
abstract class LakeStore implements AutoCloseable {
  /** The normalized prefix: ends with {@code /}. */
  abstract String prefix();

  /** Fails with a message when the prefix cannot be listed (no bucket, no access, no folder). */
  abstract void check() throws IOException;

  /** Every object under the prefix except those under {@code skipPrefix} (may be null). */
  abstract List<LakeObject> list(String skipPrefix) throws IOException;

  /** The version identity of an object: the ETag, or {@code sha256:<hex>} of the content. */
  abstract String checksum(LakeObject o) throws IOException;

  /**
   * Opens the object's content. Returns null when the object changed or vanished since it was
   * listed: it will be seen again, with its new identity, on the next pass.
   */
  abstract VersionedStream open(LakeObject o, String checksum) throws IOException;

  @Override
  public void close() {}

  /** A stream of one object version; {@link #stillSame()} says, at the end, if it was that one. */
  abstract static class VersionedStream extends InputStream {
    /** After reading to the end: false if the bytes were not the listed version. */
    abstract boolean stillSame();
  }

  /** A store for {@code --input}: {@code s3://bucket/prefix} or a local folder. */
  static LakeStore of(String input, S3Options options) {
    if (input.startsWith("s3://")) {
      return new S3Store(input, options);
    }
    if (input.contains("://")) {
      throw new SluiceException("--input=" + input + ": only s3:// prefixes and local folders"
          + " are supported");
    }
    return new LocalStore(Path.of(input).toAbsolutePath().normalize());
  }

  /** {@code s3://bucket/prefix/} via the SDK client from Beam's S3 client factory. */
  static final class S3Store extends LakeStore {
    private final String bucket;
    private final String keyPrefix;
    private final S3Client client;

    S3Store(String input, S3Options options) {
      String rest = input.substring("s3://".length());
      int slash = rest.indexOf('/');
      this.bucket = slash < 0 ? rest : rest.substring(0, slash);
      String p = slash < 0 ? "" : rest.substring(slash + 1);
      this.keyPrefix = p.isEmpty() || p.endsWith("/") ? p : p + "/";
      if (bucket.isEmpty()) {
        throw new SluiceException("--input=" + input + ": no bucket");
      }
      S3ClientBuilderFactory factory =
          InstanceBuilder.ofType(S3ClientBuilderFactory.class)
              .fromClass(options.getS3ClientFactoryClass())
              .build();
      this.client = factory.createBuilder(options).build();
    }

    @Override
    String prefix() {
      return "s3://" + bucket + "/" + keyPrefix;
    }

    @Override
    void check() throws IOException {
      try {
        client.listObjectsV2(
            ListObjectsV2Request.builder().bucket(bucket).prefix(keyPrefix).maxKeys(1).build());
      } catch (SdkException e) {
        throw new IOException(SluiceException.rootCause(e), e);
      }
    }

    @Override
    List<LakeObject> list(String skipPrefix) throws IOException {
      List<LakeObject> out = new ArrayList<>();
      String token = null;
      try {
        do {
          ListObjectsV2Request.Builder req =
              ListObjectsV2Request.builder().bucket(bucket).prefix(keyPrefix);
          if (token != null) {
            req.continuationToken(token);
          }
          ListObjectsV2Response page = client.listObjectsV2(req.build());
          for (S3Object o : page.contents()) {
            String location = "s3://" + bucket + "/" + o.key();
            if (o.key().endsWith("/") || (skipPrefix != null && location.startsWith(skipPrefix))) {
              continue;
            }
            out.add(new LakeObject(location, o.key().substring(keyPrefix.length()),
                o.lastModified().toEpochMilli(), o.size(), unquote(o.eTag())));
          }
          token = Boolean.TRUE.equals(page.isTruncated()) ? page.nextContinuationToken() : null;
        } while (token != null);
      } catch (SdkException e) {
        throw new IOException("cannot list " + prefix() + ": " + SluiceException.rootCause(e), e);
      }
      return out;
    }

    private static String unquote(String etag) {
      if (etag == null) {
        return null;
      }
      return etag.length() >= 2 && etag.startsWith("\"") && etag.endsWith("\"")
          ? etag.substring(1, etag.length() - 1) : etag;
    }

    @Override
    String checksum(LakeObject o) {
      return o.etag() == null ? "size:" + o.size() + ":" + o.landedMillis() : o.etag();
    }

    @Override
    VersionedStream open(LakeObject o, String checksum) throws IOException {
      String key = o.location().substring(("s3://" + bucket + "/").length());
      InputStream in;
      try {
        GetObjectRequest.Builder req = GetObjectRequest.builder().bucket(bucket).key(key);
        if (o.etag() != null) {
          req.ifMatch("\"" + o.etag() + "\"");
        }
        in = client.getObject(req.build());
      } catch (S3Exception e) {
        if (e.statusCode() == 412 || e.statusCode() == 404) {
          return null;
        }
        throw new IOException("cannot read " + o.location() + ": "
            + SluiceException.rootCause(e), e);
      } catch (SdkException e) {
        throw new IOException("cannot read " + o.location() + ": "
            + SluiceException.rootCause(e), e);
      }
      return new VersionedStream() {
        @Override
        public int read() throws IOException {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          return in.read(b, off, len);
        }

        @Override
        public void close() throws IOException {
          in.close();
        }

        @Override
        boolean stillSame() {
          return true;
        }
      };
    }

    @Override
    public void close() {
      client.close();
    }
  }

  /** A local folder; versions are identified by the SHA-256 of their content. */
  static final class LocalStore extends LakeStore {
    private final Path root;
    /**
     * Checksums by path, size and modification time, kept across passes of a watch (in this
     * JVM) so old files are not hashed again; cleared when it grows past 100k entries.
     */
    private static final Map<String, String> CHECKSUMS = new HashMap<>();

    LocalStore(Path root) {
      this.root = root;
    }

    @Override
    String prefix() {
      return root.toString().endsWith("/") ? root.toString() : root + "/";
    }

    @Override
    void check() throws IOException {
      if (!Files.isDirectory(root)) {
        throw new IOException(root + " is not a folder");
      }
    }

    @Override
    List<LakeObject> list(String skipPrefix) throws IOException {
      if (!Files.isDirectory(root)) {
        throw new IOException(root + " is not a folder");
      }
      List<LakeObject> out = new ArrayList<>();
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path p : (Iterable<Path>) walk::iterator) {
          BasicFileAttributes a =
              Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          String location = p.toString();
          if (!a.isRegularFile() || (skipPrefix != null && location.startsWith(skipPrefix))) {
            continue;
          }
          String key = root.relativize(p).toString().replace('\\', '/');
          out.add(new LakeObject(location, key, a.lastModifiedTime().toMillis(), a.size(), null));
        }
      } catch (UncheckedIOException e) {
        throw e.getCause();
      }
      return out;
    }

    @Override
    String checksum(LakeObject o) throws IOException {
      String cacheKey = o.location() + "\n" + o.size() + "\n" + o.landedMillis();
      String known;
      synchronized (CHECKSUMS) {
        known = CHECKSUMS.get(cacheKey);
      }
      if (known != null) {
        return known;
      }
      MessageDigest md = sha256();
      try (InputStream in = Files.newInputStream(Path.of(o.location()))) {
        byte[] buf = new byte[1 << 16];
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
        }
      }
      String sum = "sha256:" + HexFormat.of().formatHex(md.digest());
      synchronized (CHECKSUMS) {
        if (CHECKSUMS.size() > 100_000) {
          CHECKSUMS.clear();
        }
        CHECKSUMS.put(cacheKey, sum);
      }
      return sum;
    }

    @Override
    VersionedStream open(LakeObject o, String checksum) throws IOException {
      InputStream in;
      try {
        in = Files.newInputStream(Path.of(o.location()));
      } catch (java.nio.file.NoSuchFileException e) {
        return null;
      }
      MessageDigest md = sha256();
      return new VersionedStream() {
        @Override
        public int read() throws IOException {
          int b = in.read();
          if (b >= 0) {
            md.update((byte) b);
          }
          return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          int n = in.read(b, off, len);
          if (n > 0) {
            md.update(b, off, n);
          }
          return n;
        }

        @Override
        public void close() throws IOException {
          in.close();
        }

        @Override
        boolean stillSame() {
          try {
            // Drain what the reader left (a trailing line break, say) into the digest.
            byte[] buf = new byte[8192];
            for (int n; (n = read(buf, 0, buf.length)) > 0; ) {
              // counted by read()
            }
          } catch (IOException e) {
            return false;
          }
          return checksum.equals("sha256:" + HexFormat.of().formatHex(md.digest()));
        }
      };
    }

    private static MessageDigest sha256() {
      try {
        return MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
