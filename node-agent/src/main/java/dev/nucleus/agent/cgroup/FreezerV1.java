package dev.nucleus.agent.cgroup;

import java.nio.file.Path;

/** cgroup v1 freezer: FROZEN/THAWED through freezer.state. */
final class FreezerV1 {

  static void set(CgroupIo io, Path dir, boolean frozen) {
    io.write(dir.resolve("freezer.state"), frozen ? "FROZEN" : "THAWED");
  }

  static boolean isFrozen(CgroupIo io, Path dir) {
    return io.read(dir.resolve("freezer.state")).strip().equals("FROZEN");
  }

  private FreezerV1() {}
}
