package dev.nucleus.agent.cgroup;

import java.nio.file.Path;

/** cgroup v2 cpu controller: cpu.max quota/period and cpu.weight. */
final class CpuV2 {

  static void apply(CgroupIo io, Path dir, ResourceLimits limits) {
    if (limits.cpuMillis() == 0) {
      return;
    }
    io.write(dir.resolve("cpu.max"), limits.cpuQuotaUs() + " " + ResourceLimits.PERIOD_US);
    io.write(dir.resolve("cpu.weight"), Long.toString(limits.cpuWeight()));
  }

  /** cpu.stat usage_usec exists on every v2 cgroup, even without the cpu controller. */
  static double seconds(CgroupIo io, Path dir) {
    long us = ControlFiles.readKey(io, dir.resolve("cpu.stat"), "usage_usec");
    return us < 0 ? -1 : us / 1e6;
  }

  private CpuV2() {}
}
