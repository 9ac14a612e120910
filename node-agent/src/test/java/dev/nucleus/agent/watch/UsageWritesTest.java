package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.Usage;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class UsageWritesTest {
  static final Duration FRESH = Duration.ofSeconds(5);
  final Usage written = usage(8L << 20, 0.5, 2);

  static Usage usage(long memory, double cpu, long pids) {
    return new Usage().setMemoryCurrentBytes(memory).setMemoryPeakBytes(memory).setCpuSeconds(cpu).setPids(pids);
  }

  @Test
  void aFewPagesOfMemoryOrMillisecondsOfCpuAreNotWorthAWrite() {
    assertThat(UsageWrites.worthWriting(written, usage((8L << 20) + 3 * 4096, 0.52, 2), FRESH)).isFalse();
    assertThat(UsageWrites.worthWriting(written, usage((8L << 20) - 64 * 4096, 0.5, 2), FRESH)).isFalse();
  }

  @Test
  void aMoveThatMattersIsWritten() {
    assertThat(UsageWrites.worthWriting(written, usage(10L << 20, 0.5, 2), FRESH)).as("+2 MiB").isTrue();
    assertThat(UsageWrites.worthWriting(written, usage(8L << 20, 1.6, 2), FRESH)).as("+1.1 s cpu").isTrue();
    assertThat(UsageWrites.worthWriting(written, usage(8L << 20, 0.5, 3), FRESH)).as("a new process").isTrue();
    // Large figures move by a tenth: 1 GiB + 50 MiB is not worth it, + 200 MiB is.
    Usage big = usage(1L << 30, 100, 2);
    assertThat(UsageWrites.worthWriting(big, usage((1L << 30) + (50L << 20), 100, 2), FRESH)).isFalse();
    assertThat(UsageWrites.worthWriting(big, usage((1L << 30) + (200L << 20), 100, 2), FRESH)).isTrue();
  }

  @Test
  void aSmallMoveIsWrittenOnceTheWrittenUsageIsAMinuteOld() {
    Usage slightly = usage((8L << 20) + 4096, 0.5, 2);
    assertThat(UsageWrites.worthWriting(written, slightly, UsageWrites.MAX_AGE)).isTrue();
  }

  @Test
  void aFirstReadingOrAVanishedFieldIsWritten() {
    assertThat(UsageWrites.worthWriting(null, written, FRESH)).isTrue();
    assertThat(UsageWrites.worthWriting(written, new Usage().setMemoryCurrentBytes(8L << 20).setPids(2L), FRESH))
        .isTrue();
  }
}
