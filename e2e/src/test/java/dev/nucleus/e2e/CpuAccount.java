package dev.nucleus.e2e;

import dev.nucleus.testing.ProcCpu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Where the node's CPU went during the burst, from /proc alone: the user + system time of each process the benchmark
 * runs (this JVM with its client and informer, the API server, etcd, the controller manager, the operator, the agent,
 * and the agent's descendants: zygote, monitors, inits, workloads, counted with the time of the children they
 * reaped), the machine's busy time from /proc/stat (the rest is other work on the node), and the agent's and this
 * JVM's time by thread name. Cumulative counters read at two instants, so nothing is sampled and nothing running is missed.
 */
final class CpuAccount {
  private static final double TICKS_PER_SECOND = ProcCpu.TICKS_PER_SECOND;

  /** One reading: ticks per role, machine busy and total ticks, the agent's and this JVM's ticks per thread group. */
  record Reading(Map<String, Long> roles, long machineBusy, long machineTotal, Map<String, Long> agentThreads,
      Map<String, Long> benchThreads) {}

  private CpuAccount() {}

  /** Reads every role now; the agent is {@code agentPid}, the operator {@code operatorPid}. */
  static Reading read(long agentPid, long operatorPid) {
    Map<String, Long> roles = new LinkedHashMap<>();
    long self = ProcessHandle.current().pid();
    roles.put("bench JVM (creates, informer)", ProcCpu.ticks(self, false));
    for (ProcessHandle child : ProcessHandle.current().children().toList()) {
      long pid = child.pid();
      String role = pid == agentPid ? "agent JVM" : pid == operatorPid ? "operator JVM" : controlPlaneRole(pid);
      if (role != null) {
        roles.merge(role, ProcCpu.ticks(pid, false), Long::sum);
      }
    }
    long sandboxes = ProcCpu.ticks(agentPid, true) - ProcCpu.ticks(agentPid, false); // children the agent reaped
    for (ProcessHandle d : ProcessHandle.of(agentPid).map(p -> p.descendants().toList()).orElse(List.of())) {
      sandboxes += ProcCpu.ticks(d.pid(), true);
    }
    roles.put("zygote, monitors, inits, workloads", sandboxes);
    long[] machine = ProcCpu.machineTicks();
    return new Reading(roles, machine[0], machine[1], threadTicks(agentPid), threadTicks(self));
  }

  /** Markdown rows of the CPU spent between two readings: per role, per sandbox, the agent and this JVM by thread. */
  static String report(Reading before, Reading after, int sandboxes) {
    long busy = after.machineBusy - before.machineBusy;
    double seconds = (after.machineTotal - before.machineTotal) / TICKS_PER_SECOND / cores();
    StringBuilder out = new StringBuilder();
    out.append(String.format("| CPU during the burst (%.1f s on %d cores) | machine busy %.1f cpu-s (%.0f%%) |%n",
        seconds, cores(), busy / TICKS_PER_SECOND, 100.0 * busy / Math.max(1, after.machineTotal - before.machineTotal)));
    long ours = 0;
    for (String role : after.roles.keySet()) {
      long spent = after.roles.get(role) - before.roles.getOrDefault(role, 0L);
      ours += spent;
      out.append(String.format("| CPU: %s | %.2f cpu-s, %.1f ms per sandbox, %.0f%% of busy |%n", role,
          spent / TICKS_PER_SECOND, spent * 1000 / TICKS_PER_SECOND / sandboxes, 100.0 * spent / Math.max(1, busy)));
    }
    out.append(String.format("| CPU: this benchmark in all / anything else on the node | %.2f cpu-s, %.1f ms per"
        + " sandbox / %.2f cpu-s |%n", ours / TICKS_PER_SECOND, ours * 1000 / TICKS_PER_SECOND / sandboxes,
        (busy - ours) / TICKS_PER_SECOND));
    out.append(String.format("| CPU: agent by thread (cpu-s; threads that ended meanwhile are missing) | %s |%n",
        byThread(before.agentThreads, after.agentThreads)));
    out.append(String.format("| CPU: bench JVM by thread (cpu-s; threads that ended meanwhile are missing) | %s |%n",
        byThread(before.benchThreads, after.benchThreads)));
    return out.toString();
  }

  private static String byThread(Map<String, Long> before, Map<String, Long> after) {
    Map<String, Long> threads = new TreeMap<>();
    after.forEach((name, t) -> threads.put(name, t - before.getOrDefault(name, 0L)));
    return threads.entrySet().stream().filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .map(e -> String.format("%s %.2f", e.getKey(), e.getValue() / TICKS_PER_SECOND))
        .collect(Collectors.joining(", "));
  }

  private static String controlPlaneRole(long pid) {
    String comm = ProcCpu.read(Path.of("/proc", Long.toString(pid), "comm")).trim();
    return switch (comm) {
      case "kube-apiserver" -> "kube-apiserver";
      case "etcd" -> "etcd";
      case "kube-controller" -> "kube-controller-manager";
      default -> null; // kubectl, helm: not running during the burst
    };
  }

  /** A JVM's threads grouped by name without trailing numbers ("nucleus-agent-s", "HttpClient-", "C1 Compi"). */
  private static Map<String, Long> threadTicks(long pid) {
    Map<String, Long> byName = new TreeMap<>();
    Path tasks = Path.of("/proc", Long.toString(pid), "task");
    try (var list = Files.list(tasks)) {
      for (Path task : list.toList()) {
        String name = ProcCpu.read(task.resolve("comm")).trim().replaceAll("[-#]?[0-9]+$", "");
        byName.merge(name, ProcCpu.ticks(task.resolve("stat"), false), Long::sum);
      }
    } catch (IOException e) {
      return Map.of();
    }
    return byName;
  }

  private static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }
}
