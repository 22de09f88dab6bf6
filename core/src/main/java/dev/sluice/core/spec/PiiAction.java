package dev.sluice.core.spec;

/** What happens to a personal field before it leaves the pipeline. */
public enum PiiAction {
  /** Keyed HMAC-SHA256, per-field key, version prefix: joinable, not reversible. */
  HASH,
  /** Deterministic AEAD (AES-SIV): joinable, and reversible by a key holder. */
  ENCRYPT,
  /** Keep a safe part (first and last characters), star the rest. */
  MASK,
  /** The value never leaves the parser. */
  DROP,
  NONE
}
