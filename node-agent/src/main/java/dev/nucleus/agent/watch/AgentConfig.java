package dev.nucleus.agent.watch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Settings of one node agent: who it is (node name from the downward API), where the operator lives,
 * where its state is kept and how often it renews its Lease and refreshes usage.
 */
public record AgentConfig(
    String nodeName,
    String namespace,
    Path stateDir,
    Duration leaseRenewInterval,
    Duration leaseDuration,
    Duration usageRefreshInterval,
    Duration defaultStopGrace,
    int workers,
    int metricsPort,
    Path checkpointDir) {

  public static final String ENV_NODE_NAME = "NODE_NAME";
  public static final String ENV_NAMESPACE = "NUCLEUS_NAMESPACE";
  public static final String ENV_STATE_DIR = "NUCLEUS_STATE_DIR";
  /** Root of checkpoint images on this node (the chart sets it); default {@code <state dir>/checkpoints}. */
  public static final String ENV_CHECKPOINT_DIR = "NUCLEUS_CHECKPOINT_DIR";
  public static final Path DEFAULT_STATE_DIR = Path.of("/var/lib/nucleus");
  public static final int DEFAULT_METRICS_PORT = 9400;
  /**
   * Parallel sandbox reconciles at most (workers start as keys wait and end when idle, {@link ReconcileLoop}). A start
   * is a few ms of launch CPU, then fsyncs and a status patch that, under a burst on a busy node, wait tens to
   * hundreds of ms each; with 4 or 8 workers the agent's own queue was most of its share of create→Running, with 32
   * a sandbox rarely waited for a worker (docs/benchmarks.md, "Agent end to end").
   */
  public static final int DEFAULT_WORKERS = 32;
  private static final Pattern NODE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?");
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** A config whose checkpoint images live under {@code <stateDir>/checkpoints}. */
  public AgentConfig(String nodeName, String namespace, Path stateDir, Duration leaseRenewInterval,
      Duration leaseDuration, Duration usageRefreshInterval, Duration defaultStopGrace, int workers, int metricsPort) {
    this(nodeName, namespace, stateDir, leaseRenewInterval, leaseDuration, usageRefreshInterval, defaultStopGrace,
        workers, metricsPort, null);
  }

  public AgentConfig {
    Objects.requireNonNull(stateDir, "stateDir");
    checkpointDir = (checkpointDir == null ? stateDir.resolve("checkpoints") : checkpointDir).toAbsolutePath()
        .normalize();
    if (nodeName == null || !NODE_NAME.matcher(nodeName).matches()) {
      throw new IllegalArgumentException(ENV_NODE_NAME + " must be the node's name (a DNS subdomain), got '"
          + nodeName + "'; set it from the downward API (spec.nodeName)");
    }
    if (namespace == null || !NAMESPACE.matcher(namespace).matches()) {
      throw new IllegalArgumentException(ENV_NAMESPACE + " must be the operator's namespace (a DNS label), got '"
          + namespace + "'");
    }
    requirePositive("lease renew interval", leaseRenewInterval);
    requirePositive("usage refresh interval", usageRefreshInterval);
    requirePositive("default stop grace", defaultStopGrace);
    if (leaseDuration.compareTo(leaseRenewInterval.multipliedBy(2)) < 0) {
      throw new IllegalArgumentException("lease duration " + leaseDuration
          + " must be at least twice the renew interval " + leaseRenewInterval + ", or one late renewal loses the node");
    }
    if (leaseDuration.toSeconds() < 1) {
      throw new IllegalArgumentException("lease duration must be at least one second");
    }
    if (workers < 1 || workers > 64) {
      throw new IllegalArgumentException("workers must be between 1 and 64, got " + workers);
    }
    if (metricsPort < 0 || metricsPort > 65535) {
      throw new IllegalArgumentException("metrics port out of range: " + metricsPort);
    }
  }

  /** Defaults for a node agent, with identity taken from the environment a DaemonSet gives it. */
  public static AgentConfig fromEnvironment(Map<String, String> env) {
    String stateDir = env.get(ENV_STATE_DIR);
    String checkpoints = env.get(ENV_CHECKPOINT_DIR);
    return new AgentConfig(env.get(ENV_NODE_NAME), env.getOrDefault(ENV_NAMESPACE, "nucleus-system"),
        stateDir == null || stateDir.isBlank() ? DEFAULT_STATE_DIR : Path.of(stateDir),
        Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(5), Duration.ofSeconds(10),
        DEFAULT_WORKERS, DEFAULT_METRICS_PORT, checkpoints == null || checkpoints.isBlank() ? null : Path.of(checkpoints));
  }

  /** Where the agent's own assignment records live, next to the engine's sandbox directories. */
  public Path journalDir() {
    return stateDir.resolve("agent").resolve("assignments");
  }

  /** Where the agent remembers the checkpoints it served (attempts, outcomes, image directories). */
  public Path checkpointJournalDir() {
    return stateDir.resolve("agent").resolve("checkpoints");
  }

  public AgentConfig withIntervals(Duration renew, Duration lease, Duration usage) {
    return new AgentConfig(nodeName, namespace, stateDir, renew, lease, usage, defaultStopGrace, workers, metricsPort,
        checkpointDir);
  }

  public AgentConfig withStateDir(Path dir) {
    // A checkpoint root that followed the old state directory follows the new one.
    Path checkpoints = checkpointDir.equals(stateDir.toAbsolutePath().normalize().resolve("checkpoints")) ? null
        : checkpointDir;
    return new AgentConfig(nodeName, namespace, dir, leaseRenewInterval, leaseDuration, usageRefreshInterval,
        defaultStopGrace, workers, metricsPort, checkpoints);
  }

  public AgentConfig withMetricsPort(int port) {
    return new AgentConfig(nodeName, namespace, stateDir, leaseRenewInterval, leaseDuration, usageRefreshInterval,
        defaultStopGrace, workers, port, checkpointDir);
  }

  public AgentConfig withWorkers(int count) {
    return new AgentConfig(nodeName, namespace, stateDir, leaseRenewInterval, leaseDuration, usageRefreshInterval,
        defaultStopGrace, count, metricsPort, checkpointDir);
  }

  private static void requirePositive(String what, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(what + " must be positive, got " + d);
    }
  }
}
