package dev.sluice.io.files;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.aws2.options.S3ClientBuilderFactory;
import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.MoveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.util.InstanceBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsRequest;
import software.amazon.awssdk.services.s3.model.ListMultipartUploadsResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * Removes what failed or killed batch runs left under an output before the next run of that
 * output writes: the temp folders {@code <output>/.temp-sluice-*} (rows) and
 * {@code <output>/_dead_letters/.temp-sluice-*}, and on S3 the multipart uploads under the
 * output that never finished (S3 keeps, and bills, their parts
 * until they are aborted). A finished run deletes its own temp folder; this is for the runs that
 * did not finish. Two runs writing the same output at the same time are not supported: the
 * second would remove the first one's temp files.
 *
 * <pre>{@code ClearDebris.under(output, options) }</pre>
 */
public final class ClearDebris {
  private static final Logger LOG = LoggerFactory.getLogger(ClearDebris.class);
  static final String TEMP_PREFIX = ".temp-sluice-";

  private ClearDebris() {}

  /** What was removed: temp files and aborted multipart uploads. */
  public static final class Cleared {
    public final int tempFiles;
    public final int uploads;

    Cleared(int tempFiles, int uploads) {
      this.tempFiles = tempFiles;
      this.uploads = uploads;
    }
  }

  public static Cleared under(String output, PipelineOptions options) {
    String base = output.endsWith("/") ? output : output + "/";
    int files = 0;
    for (String dir : List.of(base, base + WriteDeadLetters.FOLDER + "/")) {
      files += deleteTempFiles(dir);
    }
    int uploads = 0;
    if (base.startsWith("s3://")) {
      uploads = abortUploads(base, options);
    }
    if (files > 0 || uploads > 0) {
      LOG.info("removed {} temp files and {} unfinished uploads left under {} by earlier runs",
          files, uploads, output);
    }
    return new Cleared(files, uploads);
  }

  private static int deleteTempFiles(String dir) {
    List<ResourceId> files = new ArrayList<>();
    try {
      for (MatchResult r : FileSystems.match(List.of(dir + TEMP_PREFIX + "*/*"),
          EmptyMatchTreatment.ALLOW)) {
        if (r.status() == MatchResult.Status.OK) {
          for (MatchResult.Metadata m : r.metadata()) {
            files.add(m.resourceId());
          }
        }
      }
      FileSystems.delete(files, MoveOptions.StandardMoveOptions.IGNORE_MISSING_FILES);
    } catch (IOException e) {
      // The run itself will meet the same storage; a leftover is not worth failing it for.
      LOG.warn("could not remove the temp files left under {} by earlier runs: {}", dir,
          e.getMessage());
      return 0;
    }
    if (!dir.contains("://")) {
      removeEmptyTempFolders(java.nio.file.Path.of(dir));
    }
    return files.size();
  }

  /** Local folders only: object stores have no folder left once their files are gone. */
  private static void removeEmptyTempFolders(java.nio.file.Path dir) {
    if (!java.nio.file.Files.isDirectory(dir)) {
      return;
    }
    try (Stream<java.nio.file.Path> entries = java.nio.file.Files.list(dir)) {
      for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) entries::iterator) {
        if (p.getFileName().toString().startsWith(TEMP_PREFIX)) {
          try (Stream<java.nio.file.Path> tree = java.nio.file.Files.walk(p)) {
            for (java.nio.file.Path q :
                (Iterable<java.nio.file.Path>) tree.sorted(Comparator.reverseOrder())::iterator) {
              java.nio.file.Files.deleteIfExists(q);
            }
          }
        }
      }
    } catch (IOException e) {
      LOG.warn("could not remove the temp folders under {}: {}", dir, e.getMessage());
    }
  }

  /**
   * Aborts every multipart upload under {@code base}. This run has started none yet, so they are
   * earlier runs' (by their start time too: S3-compatible stores such as S3Proxy report the
   * listing's time as an upload's start, so that time is not used).
   */
  private static int abortUploads(String base, PipelineOptions options) {
    URI uri = URI.create(base);
    String bucket = uri.getHost();
    String prefix = uri.getPath().startsWith("/") ? uri.getPath().substring(1) : uri.getPath();
    S3Options s3 = options.as(S3Options.class);
    int aborted = 0;
    try (S3Client client = InstanceBuilder.ofType(S3ClientBuilderFactory.class)
        .fromClass(s3.getS3ClientFactoryClass()).build().createBuilder(s3).build()) {
      String keyMarker = null;
      String idMarker = null;
      while (true) {
        ListMultipartUploadsResponse page = client.listMultipartUploads(
            ListMultipartUploadsRequest.builder().bucket(bucket).prefix(prefix)
                .keyMarker(keyMarker).uploadIdMarker(idMarker).build());
        for (MultipartUpload u : page.uploads()) {
          client.abortMultipartUpload(b -> b.bucket(bucket).key(u.key()).uploadId(u.uploadId()));
          aborted++;
        }
        if (!Boolean.TRUE.equals(page.isTruncated())) {
          break;
        }
        keyMarker = page.nextKeyMarker();
        idMarker = page.nextUploadIdMarker();
      }
    } catch (RuntimeException e) {
      LOG.warn("could not abort the unfinished uploads under {}: {}", base, e.getMessage());
    }
    return aborted;
  }
}
