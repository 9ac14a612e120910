package dev.nucleus.agent.cgroup;

import java.nio.file.Path;

/** cgroup v1 cpu (CFS quota and shares) and cpuacct (usage) controllers. */
final class CpuV1 {

  static void apply(CgroupIo io, Path dir, ResourceLimits limits) {
    if (limits.cpuMillis() == 0) {
      return;
    }
    io.write(dir.resolve("cpu.cfs_period_us"), Long.toString(ResourceLimits.PERIOD_US));
    io.write(dir.resolve("cpu.cfs_quota_us"), Long.toString(limits.cpuQuotaUs()));
    io.write(dir.resolve("cpu.shares"), Long.toString(limits.cpuShares()));
  }

  /** CPU time in seconds from cpuacct.usage (nanoseconds), or -1. */
  static double seconds(CgroupIo io, Path cpuacctDir) {
    long ns = ControlFiles.readLong(io, cpuacctDir.resolve("cpuacct.usage"));
    return ns < 0 ? -1 : ns / 1e9;
  }

  private CpuV1() {}
}
