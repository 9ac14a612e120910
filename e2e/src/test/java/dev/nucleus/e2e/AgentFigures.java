package dev.nucleus.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the benchmark reads besides the watch events: the agent's own /metrics (histogram sums and counts, so the
 * time of each step of a start and the number of status writes come from the agent itself), its thread count, and
 * /proc/meminfo split by kind so the node's growth per sandbox can be attributed (kernel slab, page tables, kernel
 * stacks, per-cpu data, anonymous and shared memory).
 */
final class AgentFigures {
  /** The /proc/meminfo fields that say where node memory went. */
  static final List<String> MEMINFO_KINDS = List.of("AnonPages", "Shmem", "Mapped", "SReclaimable", "SUnreclaim",
      "KernelStack", "PageTables", "Percpu", "Buffers", "Cached");

  private AgentFigures() {}

  /** One histogram of a /metrics text: its count and sum, and the bucket bounds with cumulative counts. */
  record Histogram(long count, double sum, Map<Double, Long> buckets) {
    /** Of the observations since {@code before}: the mean in milliseconds. */
    double meanMillisSince(Histogram before) {
      long n = count - before.count;
      return n == 0 ? 0 : (sum - before.sum) * 1000 / n;
    }

    /**
     * Of the observations since {@code before}: the upper bound in milliseconds of the bucket holding quantile
     * {@code q} (a Prometheus histogram cannot say more); +Inf as -1.
     */
    double quantileBoundMillisSince(Histogram before, double q) {
      long n = count - before.count;
      if (n == 0) {
        return 0;
      }
      for (Map.Entry<Double, Long> b : buckets.entrySet()) {
        long cumulative = b.getValue() - before.buckets.getOrDefault(b.getKey(), 0L);
        if (cumulative >= Math.ceil(q * n)) {
          return b.getKey() * 1000;
        }
      }
      return -1;
    }

    long countSince(Histogram before) {
      return count - before.count;
    }
  }

  /** Parses histogram {@code name} out of a Prometheus text body; all zero when it is absent. */
  static Histogram histogram(String body, String name) {
    long count = 0;
    double sum = 0;
    Map<Double, Long> buckets = new LinkedHashMap<>();
    for (String line : body.lines().toList()) {
      if (line.startsWith(name + "_count ")) {
        count = (long) Double.parseDouble(line.substring(name.length() + 7).trim());
      } else if (line.startsWith(name + "_sum ")) {
        sum = Double.parseDouble(line.substring(name.length() + 5).trim());
      } else if (line.startsWith(name + "_bucket{le=\"") && !line.contains("+Inf")) {
        int end = line.indexOf('"', name.length() + 12);
        buckets.put(Double.parseDouble(line.substring(name.length() + 12, end)),
            (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
      }
    }
    return new Histogram(count, sum, buckets);
  }

  /**
   * The API server's write requests (POST, PUT, PATCH, DELETE) by verb and resource, from its own
   * {@code apiserver_request_total} counters (a {@code kubectl get --raw /metrics} body).
   */
  static Map<String, Long> apiWrites(String metrics) {
    Map<String, Long> writes = new java.util.TreeMap<>();
    for (String line : metrics.lines().toList()) {
      if (!line.startsWith("apiserver_request_total{")) {
        continue;
      }
      String verb = label(line, "verb");
      if (!List.of("POST", "PUT", "PATCH", "DELETE").contains(verb)) {
        continue;
      }
      String sub = label(line, "subresource");
      String key = verb + " " + label(line, "resource") + (sub.isEmpty() ? "" : "/" + sub);
      writes.merge(key, (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)), Long::sum);
    }
    return writes;
  }

  /** "verb resource n.nn" per kind of write between two {@link #apiWrites} readings, divided by {@code per}. */
  static String writesPer(Map<String, Long> before, Map<String, Long> after, int per) {
    StringBuilder out = new StringBuilder();
    long total = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long n = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      if (n > 0) {
        total += n;
        out.append(out.length() == 0 ? "" : ", ").append(String.format("%s %.2f", e.getKey(), n / (double) per));
      }
    }
    return String.format("%.2f: %s", total / (double) per, out);
  }

  private static String label(String line, String name) {
    int at = line.indexOf(name + "=\"");
    if (at < 0) {
      return "";
    }
    int from = at + name.length() + 2;
    return line.substring(from, line.indexOf('"', from));
  }

  /** The number of threads of a process. */
  static int threads(long pid) {
    try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
      return (int) tasks.count();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list the threads of " + pid, e);
    }
  }

  /**
   * PSS of everything this benchmark runs besides the node agent: this JVM and its descendants (etcd, the API
   * server, the controller manager, the operator, kubectl) except the agent and its descendants (the sandboxes'
   * monitors and sandboxes). Their growth under the burst is the control plane's, not a sandbox's.
   */
  static long harnessPss(long agentPid) {
    java.util.Set<Long> agentTree = new java.util.HashSet<>();
    agentTree.add(agentPid);
    ProcessHandle.of(agentPid).ifPresent(a -> a.descendants().forEach(d -> agentTree.add(d.pid())));
    long pss = NodeMemory.pssBytes(ProcessHandle.current().pid());
    for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
      if (!agentTree.contains(p.pid())) {
        pss += NodeMemory.pssBytes(p.pid());
      }
    }
    return pss;
  }

  /** Kernel memory of the node: slab, page tables, kernel stacks and per-cpu areas, from a {@link #meminfo()}. */
  static long kernelBytes(Map<String, Long> kinds) {
    return List.of("SReclaimable", "SUnreclaim", "PageTables", "KernelStack", "Percpu").stream()
        .mapToLong(k -> kinds.getOrDefault(k, 0L)).sum();
  }

  /** The {@link #MEMINFO_KINDS} fields of /proc/meminfo, in bytes. */
  static Map<String, Long> meminfo() {
    Map<String, Long> kinds = new LinkedHashMap<>();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        String key = line.substring(0, line.indexOf(':'));
        if (MEMINFO_KINDS.contains(key)) {
          kinds.put(key, Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read /proc/meminfo", e);
    }
    return kinds;
  }

  /** "Field +x.xxx" per field of the growth from {@code before} to {@code after}, divided by {@code per}. */
  static String growthPer(Map<String, Long> before, Map<String, Long> after, int per) {
    StringBuilder out = new StringBuilder();
    for (String key : MEMINFO_KINDS) {
      if (before.containsKey(key) && after.containsKey(key)) {
        double mib = (after.get(key) - before.get(key)) / 1024.0 / 1024.0 / per;
        out.append(out.length() == 0 ? "" : ", ").append(String.format("%s %+.3f", key, mib));
      }
    }
    return out.toString();
  }
}
