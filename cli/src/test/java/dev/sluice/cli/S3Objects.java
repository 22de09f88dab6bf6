package dev.sluice.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.domain.Blob;
import org.jclouds.blobstore.domain.PageSet;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.domain.StorageType;
import org.jclouds.blobstore.options.ListContainerOptions;

/** Reads an S3Proxy bucket through jclouds directly, never through Sluice or Beam. */
final class S3Objects {
  private final BlobStore store;
  private final String bucket;

  S3Objects(BlobStore store, String bucket) {
    this.store = store;
    this.bucket = bucket;
  }

  void put(String key, byte[] bytes) {
    store.putBlob(bucket, store.blobBuilder(key).payload(bytes).contentLength(bytes.length)
        .build());
  }

  /** Every object key under a prefix (folder placeholders left out). */
  TreeSet<String> keys(String prefix) {
    TreeSet<String> out = new TreeSet<>();
    String marker = null;
    do {
      ListContainerOptions opts = ListContainerOptions.Builder.prefix(prefix).recursive();
      if (marker != null) {
        opts.afterMarker(marker);
      }
      PageSet<? extends StorageMetadata> page = store.list(bucket, opts);
      for (StorageMetadata m : page) {
        if (m.getType() == StorageType.BLOB && !m.getName().endsWith("/")) {
          out.add(m.getName());
        }
      }
      marker = page.getNextMarker();
    } while (marker != null);
    return out;
  }

  /** An object's text, gunzipped when its key ends in .gz. */
  String text(String key) throws IOException {
    Blob blob = store.getBlob(bucket, key);
    if (blob == null) {
      throw new IOException("no object " + key);
    }
    byte[] bytes;
    try (InputStream in = blob.getPayload().openStream()) {
      bytes = in.readAllBytes();
    }
    if (key.endsWith(".gz")) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
        bytes = in.readAllBytes();
      }
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** An object's non-empty lines. */
  List<String> lines(String key) throws IOException {
    List<String> out = new ArrayList<>();
    for (String l : text(key).split("\n")) {
      if (!l.isEmpty()) {
        out.add(l);
      }
    }
    return out;
  }

  /** Every object under a prefix with its lines sorted: a re-run may reorder a file's rows. */
  Map<String, List<String>> sortedContent(String prefix) throws IOException {
    Map<String, List<String>> out = new TreeMap<>();
    for (String key : keys(prefix)) {
      List<String> l = lines(key);
      Collections.sort(l);
      out.put(key, l);
    }
    return out;
  }

  /** All text under a prefix, for leak checks. */
  String allText(String prefix) throws IOException {
    StringBuilder b = new StringBuilder();
    for (String key : keys(prefix)) {
      b.append(key).append('\n').append(text(key)).append('\n');
    }
    return b.toString();
  }
}
