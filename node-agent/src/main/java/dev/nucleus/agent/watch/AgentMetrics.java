package dev.nucleus.agent.watch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;

/**
 * The agent's Prometheus metrics, kept in a few atomics and rendered in the text exposition format
 * (version 0.0.4) without a metrics library: the agent's idle footprint matters more than a registry.
 */
public final class AgentMetrics {
  /** Launch latency buckets in seconds: a warm launch takes tens of milliseconds. */
  static final double[] LAUNCH_BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

  /** Dump and restore buckets in seconds: a small sandbox takes about a second, 256 MiB several. */
  static final double[] CRIU_BUCKETS = {0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 150, 300};

  /** Buckets in seconds for the steps of one start: a queue wait or an API round trip is milliseconds when idle. */
  static final double[] STEP_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

  private final Histogram launch = new Histogram(LAUNCH_BUCKETS);
  private final Histogram queueWait = new Histogram(STEP_BUCKETS);
  private final Histogram statusPatches = new Histogram(STEP_BUCKETS);
  private final Histogram checkpoints = new Histogram(CRIU_BUCKETS);
  private final Histogram restores = new Histogram(CRIU_BUCKETS);
  private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
  private final AtomicLong leaseRenewals = new AtomicLong();
  private final AtomicLong leaseFailures = new AtomicLong();
  private volatile Supplier<Map<String, Long>> sandboxesByPhase = Map::of;
  private volatile Supplier<Integer> queueDepth = () -> 0;

  public void observeLaunch(long nanos) {
    launch.observe(nanos / 1e9);
  }

  /** How long a key an informer event queued waited for a worker (the agent's own queueing). */
  public void observeQueueWait(long nanos) {
    queueWait.observe(nanos / 1e9);
  }

  /** One status write's round trip to the API server: the agent's write load and its latency. */
  public void observeStatusPatch(long nanos) {
    statusPatches.observe(nanos / 1e9);
  }

  public long statusPatchCount() {
    return statusPatches.count();
  }

  /** A completed dump's wall time, as its status reports it. */
  public void observeCheckpoint(long millis) {
    checkpoints.observe(millis / 1e3);
  }

  /** A restore's time from the engine call to a running sandbox. */
  public void observeRestore(long nanos) {
    restores.observe(nanos / 1e9);
  }

  public long checkpointCount() {
    return checkpoints.count();
  }

  public long restoreCount() {
    return restores.count();
  }

  public void countError(String reason) {
    errors.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
  }

  public void leaseRenewed() {
    leaseRenewals.incrementAndGet();
  }

  public void leaseRenewFailed() {
    leaseFailures.incrementAndGet();
  }

  public long errorCount(String reason) {
    AtomicLong count = errors.get(reason);
    return count == null ? 0 : count.get();
  }

  public long launchCount() {
    return launch.count();
  }

  void sandboxesByPhase(Supplier<Map<String, Long>> source) {
    sandboxesByPhase = source;
  }

  void queueDepth(Supplier<Integer> source) {
    queueDepth = source;
  }

  /** The exposition text served at /metrics. */
  public String render() {
    StringBuilder out = new StringBuilder(2048);
    header(out, "nucleus_agent_sandboxes", "gauge", "Sandboxes assigned to this node, by status phase.");
    new TreeMap<>(sandboxesByPhase.get()).forEach((phase, n) ->
        out.append("nucleus_agent_sandboxes{phase=\"").append(escape(phase)).append("\"} ").append(n).append('\n'));
    header(out, "nucleus_agent_launch_duration_seconds", "histogram",
        "Time from the engine's start call to a running workload.");
    launch.render(out, "nucleus_agent_launch_duration_seconds");
    header(out, "nucleus_agent_workqueue_wait_seconds", "histogram",
        "Time from an informer event queueing a sandbox to a worker taking it up.");
    queueWait.render(out, "nucleus_agent_workqueue_wait_seconds");
    header(out, "nucleus_agent_status_patch_duration_seconds", "histogram",
        "Round trip of each sandbox status patch the agent sends (its count is the agent's status writes).");
    statusPatches.render(out, "nucleus_agent_status_patch_duration_seconds");
    header(out, "nucleus_agent_checkpoint_duration_seconds", "histogram",
        "Wall time of completed checkpoint dumps (CRIU dump, root archive, metadata, signed manifest).");
    checkpoints.render(out, "nucleus_agent_checkpoint_duration_seconds");
    header(out, "nucleus_agent_restore_duration_seconds", "histogram",
        "Time from the engine's restore call to a running restored workload (verification included).");
    restores.render(out, "nucleus_agent_restore_duration_seconds");
    header(out, "nucleus_agent_errors_total", "counter", "Sandbox and checkpoint operations that failed, by status reason.");
    new TreeMap<>(errors).forEach((reason, n) ->
        out.append("nucleus_agent_errors_total{reason=\"").append(escape(reason)).append("\"} ").append(n.get())
            .append('\n'));
    header(out, "nucleus_agent_lease_renewals_total", "counter", "Successful renewals of the agent's Lease.");
    out.append("nucleus_agent_lease_renewals_total ").append(leaseRenewals.get()).append('\n');
    header(out, "nucleus_agent_lease_renew_failures_total", "counter", "Failed renewals of the agent's Lease.");
    out.append("nucleus_agent_lease_renew_failures_total ").append(leaseFailures.get()).append('\n');
    header(out, "nucleus_agent_workqueue_depth", "gauge", "Sandboxes waiting for a reconcile.");
    out.append("nucleus_agent_workqueue_depth ").append(queueDepth.get()).append('\n');
    header(out, "process_resident_memory_bytes", "gauge", "Resident set size of the agent process.");
    out.append("process_resident_memory_bytes ").append(residentBytes()).append('\n');
    return out.toString();
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static String escape(String label) {
    return label.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  /** RSS from /proc/self/statm (pages) — what the idle-footprint goal is measured in. */
  static long residentBytes() {
    try {
      String[] fields = Files.readString(Path.of("/proc/self/statm")).trim().split("\\s+");
      return Long.parseLong(fields[1]) * 4096L;
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** A fixed-bucket histogram with cumulative rendering, as Prometheus expects. */
  static final class Histogram {
    private final double[] bounds;
    private final AtomicLongArray buckets;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong sumMicros = new AtomicLong();

    Histogram(double[] bounds) {
      this.bounds = bounds.clone();
      this.buckets = new AtomicLongArray(bounds.length);
    }

    void observe(double seconds) {
      for (int i = 0; i < bounds.length; i++) {
        if (seconds <= bounds[i]) {
          buckets.incrementAndGet(i);
          break;
        }
      }
      count.incrementAndGet();
      sumMicros.addAndGet(Math.round(seconds * 1e6));
    }

    long count() {
      return count.get();
    }

    void render(StringBuilder out, String name) {
      long cumulative = 0;
      for (int i = 0; i < bounds.length; i++) {
        cumulative += buckets.get(i);
        out.append(name).append("_bucket{le=\"").append(bounds[i]).append("\"} ").append(cumulative).append('\n');
      }
      out.append(name).append("_bucket{le=\"+Inf\"} ").append(count.get()).append('\n');
      out.append(name).append("_sum ").append(sumMicros.get() / 1e6).append('\n');
      out.append(name).append("_count ").append(count.get()).append('\n');
    }
  }
}
