package dev.nucleus.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What one sandbox left on this node, looked up from the outside the way an administrator would: processes (by
 * pid, by cgroup membership, by root directory), cgroup directories, mounts, the state directory and the agent's
 * journal entry. An empty list means nothing is left.
 */
final class NodeTraces {
  private static final Path CGROUP_FS = Path.of("/sys/fs/cgroup");

  private final Path stateDir;

  NodeTraces(Path stateDir) {
    this.stateDir = stateDir;
  }

  Path sandboxDir(String sandboxId) {
    return stateDir.resolve("sandboxes").resolve(sandboxId);
  }

  Path journalEntry(String uid) {
    return stateDir.resolve("agent").resolve("assignments").resolve(uid + ".json");
  }

  /** Every trace of the sandbox still on the node, described one per line. */
  List<String> of(String sandboxId, String uid, long pid) {
    List<String> left = new ArrayList<>();
    if (Files.exists(Path.of("/proc", Long.toString(pid)))) {
      left.add("process " + pid + " still exists: " + read(Path.of("/proc", Long.toString(pid), "cmdline")));
    }
    left.addAll(processesOf(sandboxId));
    cgroupDirectories(sandboxId).forEach(d -> left.add("cgroup " + d));
    read(Path.of("/proc/self/mountinfo")).lines().filter(l -> l.contains(sandboxId)).forEach(l -> left.add("mount " + l));
    if (Files.exists(sandboxDir(sandboxId))) {
      left.add("state directory " + sandboxDir(sandboxId));
    }
    if (Files.exists(journalEntry(uid))) {
      left.add("journal entry " + journalEntry(uid));
    }
    return left;
  }

  /** Processes in one of the sandbox's cgroups, or whose root directory lies in its state directory. */
  List<String> processesOf(String sandboxId) {
    String dir = sandboxDir(sandboxId).toString();
    List<String> found = new ArrayList<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path proc : procs.filter(p -> p.getFileName().toString().matches("[0-9]+")).toList()) {
        String cgroups = read(proc.resolve("cgroup"));
        String root = rootOf(proc);
        if (cgroups.contains(sandboxId) || root.startsWith(dir)) {
          found.add("process " + proc.getFileName() + " (" + read(proc.resolve("cmdline")).replace('\0', ' ').trim()
              + ") in the sandbox's cgroup or root");
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list /proc", e);
    }
    return found;
  }

  /**
   * Cgroup directories named after the sandbox, in any hierarchy. Other cgroups come and go on a shared machine
   * while the tree is walked, so a walk that meets a vanished directory is repeated.
   */
  static List<Path> cgroupDirectories(String name) {
    RuntimeException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try (Stream<Path> dirs = Files.find(CGROUP_FS, 8,
          (p, a) -> a.isDirectory() && p.getFileName() != null && p.getFileName().toString().equals(name))) {
        return dirs.toList();
      } catch (IOException e) {
        last = new UncheckedIOException(e);
      } catch (UncheckedIOException e) {
        last = e;
      }
    }
    throw new IllegalStateException("cannot search " + CGROUP_FS + " for " + name + ": " + last.getMessage(), last);
  }

  private static String rootOf(Path proc) {
    try {
      return Files.readSymbolicLink(proc.resolve("root")).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return ""; // the process exited meanwhile, or is a kernel thread
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return ""; // the process exited meanwhile
    }
  }
}
