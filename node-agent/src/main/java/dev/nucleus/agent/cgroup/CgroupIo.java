package dev.nucleus.agent.cgroup;

import java.nio.file.Path;

/**
 * File operations on a cgroup filesystem. The kernel implementation never creates control files and never
 * follows symlinks; the test fake populates control files on mkdir the way the kernel does.
 */
public interface CgroupIo {
  /** Creates a cgroup directory; returns false when it already existed. */
  boolean mkdir(Path dir);

  /** Writes a value into an existing control file. */
  void write(Path file, String value);

  /** Reads a control file. */
  String read(Path file);

  boolean exists(Path file);

  /** Removes an (empty) cgroup directory; returns false when it did not exist. */
  boolean rmdir(Path dir);

  /**
   * Opens a control file for one later {@link #write}, so that the write is a single syscall on a launch's path (the
   * open walks the file's path). The default defers to {@link #write} at that time (the test fake's).
   */
  default Opened open(Path file) {
    return value -> write(file, value);
  }

  /** A control file opened for one write; {@link #close} releases it, written or not. */
  interface Opened extends AutoCloseable {
    /** {@link CgroupIo#write} through the open file; at most once. */
    void write(String value);

    @Override
    default void close() {
    }
  }
}
