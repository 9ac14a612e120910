package dev.nucleus.operator.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where the machine's CPU went during a benchmark: the control plane's processes (children of this JVM), this JVM
 * (operator, fake agents and the creating client) split into its Vert.x event loop (TLS, HTTP, watch decoding), the
 * creating threads, its other Java threads (reconciles, informers) and the JVM's own threads (JIT, GC), and the rest
 * of the machine (other users' builds). Read from /proc and the ThreadMXBean at the start and the end.
 */
final class CpuShares {
  /** USER_HZ: the unit of /proc's CPU times, 100 on every Linux architecture this runs on. */
  private static final double TICKS_PER_SECOND = 100;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Map<String, Long> processTicks;
  private final long[] machineTicks;
  private final Map<Long, Long> threadNanos;
  private final long start = System.nanoTime();

  private CpuShares() {
    processTicks = processTicks();
    machineTicks = machineTicks();
    threadNanos = threadNanos();
  }

  static CpuShares start() {
    return new CpuShares();
  }

  /** One line: CPU seconds per part over the interval and the machine's busy cores; creators measured by the caller. */
  String report(long creatorNanos) {
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Double> cpu = new LinkedHashMap<>();
    Map<String, Long> processes = processTicks();
    processes.forEach((name, ticks) -> cpu.put(name, (ticks - processTicks.getOrDefault(name, 0L)) / TICKS_PER_SECOND));
    long eventLoop = 0;
    long otherThreads = 0;
    for (long id : THREADS.getAllThreadIds()) {
      var info = THREADS.getThreadInfo(id);
      long now = THREADS.getThreadCpuTime(id);
      if (info == null || now < 0) {
        continue;
      }
      long delta = now - threadNanos.getOrDefault(id, 0L);
      if (info.getThreadName().startsWith("vert.x-eventloop")) {
        eventLoop += delta;
      } else {
        otherThreads += delta;
      }
    }
    double jvm = cpu.getOrDefault("test-jvm", 0.0);
    cpu.put("jvm:event-loop", eventLoop / 1e9);
    cpu.put("jvm:creators", creatorNanos / 1e9);
    cpu.put("jvm:other-java-threads", otherThreads / 1e9);
    cpu.put("jvm:jit-gc-vm", Math.max(0, jvm - (eventLoop + creatorNanos + otherThreads) / 1e9));
    long[] machine = machineTicks();
    double busy = (machine[0] - machineTicks[0]) / TICKS_PER_SECOND;
    double mine = processes.keySet().stream().mapToDouble(cpu::get).sum();
    cpu.put("rest-of-machine", Math.max(0, busy - mine));
    return String.format("cpu_s_over_%.1fs{%s} machine_busy_cores=%.2f/%d", seconds,
        cpu.entrySet().stream().map(e -> e.getKey() + "=" + String.format("%.1f", e.getValue()))
            .collect(Collectors.joining(" ")),
        busy / seconds, Runtime.getRuntime().availableProcessors());
  }

  /** utime + stime of this JVM and of its descendants, summed by executable name. */
  private static Map<String, Long> processTicks() {
    Map<String, Long> ticks = new HashMap<>();
    ticks.put("test-jvm", ticksOf(ProcessHandle.current().pid()));
    ProcessHandle.current().descendants().forEach(p -> {
      String name = p.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?");
      ticks.merge(name, ticksOf(p.pid()), Long::sum);
    });
    return ticks;
  }

  private static long ticksOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime (fields 14, 15)
    } catch (IOException | RuntimeException e) {
      return 0; // a process that exited meanwhile
    }
  }

  /** {busy, total} ticks of the whole machine from the first line of /proc/stat. */
  private static long[] machineTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      for (int i = 1; i < f.length; i++) {
        total += Long.parseLong(f[i]);
      }
      long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle, iowait
      return new long[] {total - idle, total};
    } catch (IOException e) {
      return new long[2];
    }
  }

  private static Map<Long, Long> threadNanos() {
    Map<Long, Long> nanos = new HashMap<>();
    for (long id : THREADS.getAllThreadIds()) {
      long t = THREADS.getThreadCpuTime(id);
      if (t >= 0) {
        nanos.put(id, t);
      }
    }
    return nanos;
  }
}
