package dev.nucleus.operator.bench;

import dev.nucleus.testing.ProcCpu;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
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
  private static final double TICKS_PER_SECOND = ProcCpu.TICKS_PER_SECOND;
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

  private final Map<String, Long> processTicks;
  private final long[] machineTicks;
  private final Map<Long, Long> threadNanos;
  private final long start = System.nanoTime();

  private CpuShares() {
    processTicks = processTicks();
    machineTicks = ProcCpu.machineTicks();
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
    long[] machine = ProcCpu.machineTicks();
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
    ticks.put("test-jvm", ProcCpu.ticks(ProcessHandle.current().pid(), false));
    ProcessHandle.current().descendants().forEach(p -> {
      String name = p.info().command().map(c -> Path.of(c).getFileName().toString()).orElse("?");
      ticks.merge(name, ProcCpu.ticks(p.pid(), false), Long::sum);
    });
    return ticks;
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
