package dev.nucleus.agent.cgroup;

import java.nio.file.Path;

/** cgroup v1 blkio weight (CFQ's blkio.weight or BFQ's blkio.bfq.weight, scale 10..1000). */
final class BlkioV1 {

  static void apply(CgroupIo io, Path dir, ResourceLimits limits) {
    if (limits.ioWeight() == null) {
      return;
    }
    long v1Weight = 10 + (limits.ioWeight() - 1L) * 990 / 9999;
    for (String file : new String[] {"blkio.weight", "blkio.bfq.weight"}) {
      if (io.exists(dir.resolve(file))) {
        io.write(dir.resolve(file), Long.toString(v1Weight));
        return;
      }
    }
    throw new CgroupException(CgroupException.UNSUPPORTED, "an io weight was asked for, but this node's blkio"
        + " controller has no weight file (no CFQ/BFQ group scheduling) under " + dir);
  }

  private BlkioV1() {}
}
