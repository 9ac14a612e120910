package dev.nucleus.agent.cgroup;

import java.nio.file.Path;

/** cgroup v2 io controller: the default io.weight. */
final class IoV2 {

  static void apply(CgroupIo io, Path dir, ResourceLimits limits) {
    if (limits.ioWeight() == null) {
      return;
    }
    Path weight = dir.resolve("io.weight");
    if (!io.exists(weight)) {
      throw new CgroupException(CgroupException.UNSUPPORTED, "an io weight was asked for, but " + dir
          + " has no io.weight (no weight-based io scheduler on this node)");
    }
    io.write(weight, "default " + limits.ioWeight());
  }

  private IoV2() {}
}
