package dev.sluice.io.files;

/** A compressed member in a temp file: {@code <offset>:<length>:<file>}. */
final class SpilledMember {
  final String file;
  final long offset;
  final long length;

  SpilledMember(String file, long offset, long length) {
    this.file = file;
    this.offset = offset;
    this.length = length;
  }

  String describe() {
    return offset + ":" + length + ":" + file;
  }

  static SpilledMember parse(String text) {
    int a = text.indexOf(':');
    int b = text.indexOf(':', a + 1);
    return new SpilledMember(text.substring(b + 1), Long.parseLong(text.substring(0, a)),
        Long.parseLong(text.substring(a + 1, b)));
  }
}
