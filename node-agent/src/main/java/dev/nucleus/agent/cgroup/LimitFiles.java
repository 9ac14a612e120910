package dev.nucleus.agent.cgroup;

import java.nio.file.Path;
import java.util.Map;

/** The two views of a cgroupfs that let a warm-pool member's limits skip what its files already hold. */
final class LimitFiles {

  private LimitFiles() {}

  /** Writes nothing: notes in {@code files} each control file a limit would write (lookups go to {@code io}). */
  static CgroupIo listing(CgroupIo io, Map<Path, String> files) {
    return new Forwarding(io) {
      @Override
      public void write(Path file, String value) {
        files.put(file, "");
      }
    };
  }

  /**
   * {@code io}, minus writes of the value a file is known to hold and lookups of files known to exist; a write to a
   * file in {@code opened} goes through it (once: it leaves the map, a second write to the file would open it anew).
   */
  static CgroupIo knowing(CgroupIo io, Map<Path, String> known, Map<Path, CgroupIo.Opened> opened) {
    return new Forwarding(io) {
      @Override
      public void write(Path file, String value) {
        if (value.equals(known.get(file))) {
          return;
        }
        CgroupIo.Opened open = opened.remove(file);
        if (open == null) {
          super.write(file, value);
        } else {
          try (open) {
            open.write(value);
          }
        }
      }

      @Override
      public boolean exists(Path file) {
        return known.containsKey(file) || super.exists(file);
      }
    };
  }

  private static class Forwarding implements CgroupIo {
    private final CgroupIo io;

    Forwarding(CgroupIo io) {
      this.io = io;
    }

    @Override
    public boolean mkdir(Path dir) {
      return io.mkdir(dir);
    }

    @Override
    public void write(Path file, String value) {
      io.write(file, value);
    }

    @Override
    public String read(Path file) {
      return io.read(file);
    }

    @Override
    public boolean exists(Path file) {
      return io.exists(file);
    }

    @Override
    public boolean rmdir(Path dir) {
      return io.rmdir(dir);
    }
  }
}
