package dev.nucleus.agent.watch;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds what a launch or restore left on the node when the agent died before the sandbox's state file was written,
 * i.e. without the pids that file would have recorded: the launcher still monitoring the sandbox (it runs outside
 * the sandbox's cgroups and holds the sandbox's log files open) and mounts under the sandbox's directory. The
 * cgroups, and with them the init, the workload and a restoring criu, are found by the sandbox's name.
 */
final class IncompleteSandboxes {
  private static final Pattern OCTAL = Pattern.compile("\\\\([0-7]{3})");

  private IncompleteSandboxes() {}

  /**
   * Launcher processes (their executable lies under {@code launcherDir}, possibly replaced since: "(deleted)")
   * holding a file under {@code dir} open. Handles carry the start time, so a pid reused meanwhile is never killed.
   */
  static List<ProcessHandle> launchersHolding(Path dir, Path launcherDir) {
    List<ProcessHandle> found = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"),
        p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
      for (Path proc : procs) {
        Optional<ProcessHandle> handle = ProcessHandle.of(Long.parseLong(proc.getFileName().toString()));
        if (handle.isPresent() && isUnder(link(proc.resolve("exe")), launcherDir) && holdsFileUnder(proc, dir)) {
          found.add(handle.get());
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
    }
    return found;
  }

  private static boolean holdsFileUnder(Path proc, Path dir) {
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(proc.resolve("fd"))) {
      for (Path fd : fds) {
        if (isUnder(link(fd), dir)) {
          return true;
        }
      }
    } catch (IOException gone) {
      // the process ended while we looked: it holds nothing any more
    }
    return false;
  }

  private static Optional<Path> link(Path procLink) {
    try {
      return Optional.of(Files.readSymbolicLink(procLink));
    } catch (IOException | UnsupportedOperationException gone) {
      return Optional.empty();
    }
  }

  private static boolean isUnder(Optional<Path> target, Path dir) {
    return target.isPresent() && target.get().isAbsolute() && target.get().startsWith(dir);
  }

  /** Mount points at or under {@code dir} in a mountinfo text (field 5, with the kernel's octal escapes decoded). */
  static List<String> mountsUnder(String mountinfo, Path dir) {
    List<String> mounts = new ArrayList<>();
    for (String line : mountinfo.lines().toList()) {
      String[] fields = line.split(" ");
      if (fields.length > 4) {
        String point = unescape(fields[4]);
        if (Path.of(point).startsWith(dir)) {
          mounts.add(point);
        }
      }
    }
    return mounts;
  }

  /** The mount points at or under {@code dir} in this process's mount namespace. */
  static List<String> mountsUnder(Path dir) {
    try {
      return mountsUnder(Files.readString(Path.of("/proc/self/mountinfo")), dir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read /proc/self/mountinfo: " + e.getMessage(), e);
    }
  }

  private static String unescape(String field) {
    Matcher m = OCTAL.matcher(field);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), 8))));
    }
    m.appendTail(out);
    return out.toString();
  }
}
