package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.Usage;
import java.time.Duration;
import java.util.Objects;

/**
 * When a running sandbox's usage is worth a status write. A cgroup's {@code memory.current} moves by a few pages
 * all the time (the kernel charges memory in per-CPU batches), so writing every reading that differs made 200 idle
 * sandboxes cost the API server ~10 writes a second. A reading is written when it moved enough to matter to a
 * reader, and at least every {@link #MAX_AGE} otherwise, so status is never staler than that.
 */
final class UsageWrites {
  /** The longest a written usage may stand while the sandbox's readings keep moving a little. */
  static final Duration MAX_AGE = Duration.ofSeconds(60);
  /** A memory figure is rewritten once it moved by a tenth, and at least by this much. */
  static final long MEMORY_STEP_BYTES = 1L << 20;
  /** CPU time is rewritten once it grew by a tenth, and at least by this much. */
  static final double CPU_STEP_SECONDS = 1.0;

  private UsageWrites() {}

  /** Whether {@code now} should replace the {@code written} usage, written {@code age} ago. */
  static boolean worthWriting(Usage written, Usage now, Duration age) {
    if (written == null || now == null || age.compareTo(MAX_AGE) >= 0) {
      return !Objects.equals(written, now);
    }
    return !Objects.equals(written.getPids(), now.getPids())
        || moved(written.getMemoryCurrentBytes(), now.getMemoryCurrentBytes())
        || moved(written.getMemoryPeakBytes(), now.getMemoryPeakBytes())
        || moved(written.getCpuSeconds(), now.getCpuSeconds());
  }

  private static boolean moved(Long before, Long now) {
    if (before == null || now == null) {
      return !Objects.equals(before, now);
    }
    return Math.abs(now - before) >= Math.max(MEMORY_STEP_BYTES, before / 10);
  }

  private static boolean moved(Double before, Double now) {
    if (before == null || now == null) {
      return !Objects.equals(before, now);
    }
    return Math.abs(now - before) >= Math.max(CPU_STEP_SECONDS, before / 10);
  }
}
