package dev.nucleus.operator.model;

import java.time.Duration;

/** Exponential backoff: {@code initial * 2^(n-1)}, capped at {@code max}. */
public record Backoff(Duration initial, Duration max) {

  /** The delay before retry number {@code attempt} (1-based). */
  public Duration delay(int attempt) {
    int shift = Math.max(0, Math.min(attempt - 1, 30));
    Duration d = initial.multipliedBy(1L << shift);
    return d.compareTo(max) > 0 ? max : d;
  }
}
