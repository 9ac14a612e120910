package dev.nucleus.agent.cgroup;

import java.nio.file.Path;

/** pids controller; the file names are the same in v1 and v2. */
final class Pids {

  static void apply(CgroupIo io, Path dir, ResourceLimits limits) {
    if (limits.pids() > 0) {
      io.write(dir.resolve("pids.max"), Long.toString(limits.pids()));
    }
  }

  static long current(CgroupIo io, Path dir) {
    return ControlFiles.readLong(io, dir.resolve("pids.current"));
  }

  private Pids() {}
}
