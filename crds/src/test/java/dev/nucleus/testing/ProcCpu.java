package dev.nucleus.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time from /proc for the benchmarks' accounts: a process's own (and reaped children's) time, the machine's. */
public final class ProcCpu {
  /** USER_HZ: the unit of /proc's CPU times, 100 on every Linux architecture this runs on. */
  public static final double TICKS_PER_SECOND = 100.0;

  private ProcCpu() {}

  /** utime + stime of a process (or thread: a task's stat file), plus its reaped children's when asked; 0 once gone. */
  public static long ticks(Path stat, boolean withChildren) {
    String[] f = statFields(stat);
    if (f.length < 15) {
      return 0;
    }
    long own = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return withChildren ? own + Long.parseLong(f[13]) + Long.parseLong(f[14]) : own;
  }

  /** {@link #ticks(Path, boolean)} of {@code /proc/<pid>/stat}. */
  public static long ticks(long pid, boolean withChildren) {
    return ticks(Path.of("/proc", Long.toString(pid), "stat"), withChildren);
  }

  /** Busy and total ticks of all CPUs (/proc/stat's first line; idle and iowait are not busy); zeros if unreadable. */
  public static long[] machineTicks() {
    String[] f = read(Path.of("/proc/stat")).lines().findFirst().orElse("cpu").trim().split("\\s+");
    long total = 0;
    for (int i = 1; i < f.length; i++) {
      total += Long.parseLong(f[i]);
    }
    long idle = f.length > 5 ? Long.parseLong(f[4]) + Long.parseLong(f[5]) : 0;
    return new long[] {total - idle, total};
  }

  /** The contents of a /proc file, or "" when its process or thread is gone. */
  public static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "";
    }
  }

  // Fields after the parenthesised command (which may contain spaces): index 0 is the state.
  private static String[] statFields(Path stat) {
    String text = read(stat);
    int end = text.lastIndexOf(')');
    return end < 0 ? new String[0] : text.substring(end + 2).trim().split(" ");
  }
}
