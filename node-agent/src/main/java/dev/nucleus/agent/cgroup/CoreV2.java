package dev.nucleus.agent.cgroup;

import java.nio.file.Path;

/** cgroup v2 core files, present without any controller: kill, freeze, events, subtree control. */
final class CoreV2 {

  static boolean canKill(CgroupIo io, Path dir) {
    return io.exists(dir.resolve("cgroup.kill"));
  }

  static void kill(CgroupIo io, Path dir) {
    io.write(dir.resolve("cgroup.kill"), "1");
  }

  static void freeze(CgroupIo io, Path dir, boolean frozen) {
    io.write(dir.resolve("cgroup.freeze"), frozen ? "1" : "0");
  }

  static boolean frozen(CgroupIo io, Path dir) {
    return ControlFiles.readKey(io, dir.resolve("cgroup.events"), "frozen") == 1;
  }

  static boolean populated(CgroupIo io, Path dir) {
    return ControlFiles.readKey(io, dir.resolve("cgroup.events"), "populated") == 1;
  }

  static java.util.Set<String> controllers(CgroupIo io, Path dir) {
    java.util.Set<String> set = new java.util.TreeSet<>();
    Path file = dir.resolve("cgroup.controllers");
    if (io.exists(file)) {
      for (String c : io.read(file).trim().split("\\s+")) {
        if (!c.isEmpty()) {
          set.add(c);
        }
      }
    }
    return set;
  }

  /** Makes {@code controllers} available to {@code dir}'s children. */
  static void enableForChildren(CgroupIo io, Path dir, java.util.Collection<String> controllers) {
    java.util.Set<String> enabled = new java.util.TreeSet<>();
    Path file = dir.resolve("cgroup.subtree_control");
    for (String c : io.read(file).trim().split("\\s+")) {
      enabled.add(c);
    }
    for (String c : controllers) {
      if (!enabled.contains(c)) {
        try {
          io.write(file, "+" + c);
        } catch (CgroupException e) {
          throw new CgroupException(CgroupException.UNSUPPORTED, "cannot enable the " + c + " controller for the"
              + " children of " + dir + " (a v2 cgroup that holds processes cannot delegate controllers: run the"
              + " agent in a delegated cgroup whose own processes sit in a leaf): " + e.getMessage(), e);
        }
      }
    }
  }

  private CoreV2() {}
}
