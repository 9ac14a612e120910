package dev.nucleus.agent.cgroup;

import java.nio.file.Path;

/** cgroup v1 memory controller: limit with swap off, usage, OOM kills. */
final class MemoryV1 {

  static void apply(CgroupIo io, Path dir, ResourceLimits limits) {
    if (limits.memoryBytes() == 0) {
      return;
    }
    String bytes = Long.toString(limits.memoryBytes());
    io.write(dir.resolve("memory.limit_in_bytes"), bytes);
    // memsw = memory + swap; equal to the memory limit means no swap. Absent without swap accounting.
    Path memsw = dir.resolve("memory.memsw.limit_in_bytes");
    if (io.exists(memsw)) {
      io.write(memsw, bytes);
    }
    Path swappiness = dir.resolve("memory.swappiness");
    if (io.exists(swappiness)) {
      io.write(swappiness, "0");
    }
  }

  static long current(CgroupIo io, Path dir) {
    return ControlFiles.readLong(io, dir.resolve("memory.usage_in_bytes"));
  }

  static long peak(CgroupIo io, Path dir) {
    return ControlFiles.readLong(io, dir.resolve("memory.max_usage_in_bytes"));
  }

  static boolean oomKilled(CgroupIo io, Path dir) {
    return ControlFiles.readKey(io, dir.resolve("memory.oom_control"), "oom_kill") > 0;
  }

  private MemoryV1() {}
}
