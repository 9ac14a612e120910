package dev.nucleus.agent.cgroup;

/**
 * A sandbox's resource limits; 0 (or null for {@code ioWeight}) means unlimited. {@code cpuMillis} is in
 * millicores (1000 = one CPU); {@code ioWeight} is the cgroup v2 scale 1..10000.
 */
public record ResourceLimits(long memoryBytes, long cpuMillis, long pids, Integer ioWeight) {
  /** Smallest CFS quota the kernel accepts, in microseconds. */
  static final long MIN_QUOTA_US = 1000;
  static final long PERIOD_US = 100_000;

  public ResourceLimits {
    if (memoryBytes < 0 || cpuMillis < 0 || pids < 0) {
      throw new IllegalArgumentException("resource limits must not be negative: memory=" + memoryBytes
          + " cpuMillis=" + cpuMillis + " pids=" + pids);
    }
    if (memoryBytes > 0 && memoryBytes < 1024 * 1024) {
      throw new IllegalArgumentException("memory limit " + memoryBytes + " bytes is below 1 MiB; no process starts in that");
    }
    if (ioWeight != null && (ioWeight < 1 || ioWeight > 10_000)) {
      throw new IllegalArgumentException("ioWeight must be 1..10000, got " + ioWeight);
    }
    if (cpuMillis > 0 && cpuMillis * PERIOD_US / 1000 < MIN_QUOTA_US) {
      throw new IllegalArgumentException("cpu limit of " + cpuMillis + "m is below the kernel's minimum quota (10m)");
    }
  }

  public static ResourceLimits unlimited() {
    return new ResourceLimits(0, 0, 0, null);
  }

  /** CFS quota per {@link #PERIOD_US} period, in microseconds. */
  long cpuQuotaUs() {
    return cpuMillis * PERIOD_US / 1000;
  }

  /** cgroup v1 cpu.shares for the same proportion Kubernetes uses (1024 per CPU, at least 2). */
  long cpuShares() {
    return Math.max(2, cpuMillis * 1024 / 1000);
  }

  /** cgroup v2 cpu.weight mapped from shares the way runc and the kubelet do. */
  long cpuWeight() {
    return 1 + ((cpuShares() - 2) * 9999) / 262142;
  }
}
