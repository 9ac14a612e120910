package dev.nucleus.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** Memory figures of this node and its processes, read from /proc as an administrator would. */
final class NodeMemory {
  private NodeMemory() {}

  /** MemTotal − MemAvailable: what the node has in use, kernel included. */
  static long usedBytes() {
    return meminfo("MemTotal") - meminfo("MemAvailable");
  }

  /** Resident set size of a process (VmRSS). */
  static long rssBytes(long pid) {
    return statusField(Path.of("/proc", Long.toString(pid), "status"), "VmRSS");
  }

  /** Proportional set size (shared pages split among their users), or 0 when the process is gone. */
  static long pssBytes(long pid) {
    try {
      return statusField(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss");
    } catch (IllegalStateException gone) {
      return 0;
    }
  }

  /** The processes of one sandbox: every pid in its cgroup directories under /sys/fs/cgroup, v1 or v2. */
  static long[] pidsOfCgroup(String sandboxId) {
    return NodeTraces.cgroupDirectories(sandboxId).stream()
        .flatMap(dir -> lines(dir.resolve("cgroup.procs")))
        .filter(l -> !l.isBlank()).mapToLong(Long::parseLong).distinct().toArray();
  }

  /** The parent pid (field 4 of /proc/PID/stat, after the parenthesised command), or 0 once the process is gone. */
  static long parent(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The executable of a process ("" once it is gone). */
  static String exe(long pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "exe")).toString();
    } catch (IOException e) {
      return "";
    }
  }

  private static Stream<String> lines(Path file) {
    try {
      return Files.readAllLines(file).stream();
    } catch (IOException e) {
      return Stream.of();
    }
  }

  private static long meminfo(String key) {
    return statusField(Path.of("/proc/meminfo"), key);
  }

  private static long statusField(Path file, String key) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(key + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
    }
    throw new IllegalStateException(file + " has no " + key + " line");
  }
}
