package dev.nucleus.agent.cgroup;

import java.nio.file.Path;

/** cgroup v2 memory controller: max, swap off, OOM as a group, usage and OOM events. */
final class MemoryV2 {

  static void apply(CgroupIo io, Path dir, ResourceLimits limits) {
    if (limits.memoryBytes() == 0) {
      return;
    }
    io.write(dir.resolve("memory.max"), Long.toString(limits.memoryBytes()));
    Path swap = dir.resolve("memory.swap.max");
    if (io.exists(swap)) { // absent when the kernel has no swap accounting, i.e. nothing can swap anyway
      io.write(swap, "0");
    }
    // Kill the whole sandbox on OOM rather than one process, so a half-dead workload does not linger.
    io.write(dir.resolve("memory.oom.group"), "1");
  }

  static long current(CgroupIo io, Path dir) {
    return ControlFiles.readLong(io, dir.resolve("memory.current"));
  }

  static long peak(CgroupIo io, Path dir) {
    return ControlFiles.readLong(io, dir.resolve("memory.peak"));
  }

  static boolean oomKilled(CgroupIo io, Path dir) {
    return ControlFiles.readKey(io, dir.resolve("memory.events"), "oom_kill") > 0;
  }

  private MemoryV2() {}
}
