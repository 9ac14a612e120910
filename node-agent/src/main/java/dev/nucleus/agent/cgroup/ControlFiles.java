package dev.nucleus.agent.cgroup;

import java.nio.file.Path;

/** Small parsing helpers shared by the controller classes. */
final class ControlFiles {

  /** A single-number control file, or -1 when the file is absent. */
  static long readLong(CgroupIo io, Path file) {
    if (!io.exists(file)) {
      return -1;
    }
    String v = io.read(file).strip();
    return v.equals("max") ? Long.MAX_VALUE : Long.parseLong(v);
  }

  /** The value of {@code key} in a flat keyed file ("key value" lines), or -1 when file or key is absent. */
  static long readKey(CgroupIo io, Path file, String key) {
    if (!io.exists(file)) {
      return -1;
    }
    for (String line : io.read(file).split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length == 2 && f[0].equals(key)) {
        return Long.parseLong(f[1]);
      }
    }
    return -1;
  }

  private ControlFiles() {}
}
