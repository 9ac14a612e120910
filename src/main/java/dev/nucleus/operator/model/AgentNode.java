package dev.nucleus.operator.model;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nucleus.api.v1alpha1.NucleusNames;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What one node agent last advertised in its Lease: the node's enforceable capabilities, its load and
 * when the agent last renewed. Parsing fails closed: an unreadable capability reads as "cannot" (an agent older than
 * the time-namespaces annotation reads as a node that cannot create one).
 */
public record AgentNode(
    String nodeName,
    int landlockAbi,
    String cgroupMode,
    boolean criuUsable,
    boolean runscUsable,
    boolean timeNamespaces,
    String kernel,
    int sandboxesRunning,
    long memoryCommittedBytes,
    long memoryAllocatableBytes,
    Map<String, String> nodeLabels,
    Instant renewTime,
    Duration leaseDuration,
    Instant watchedSince) {

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Used when an agent forgets leaseDurationSeconds: the agent renews every few seconds. */
  static final Duration DEFAULT_LEASE_DURATION = Duration.ofSeconds(15);

  public AgentNode {
    Objects.requireNonNull(nodeName, "nodeName");
    nodeLabels = Map.copyOf(nodeLabels == null ? Map.of() : nodeLabels);
    leaseDuration = leaseDuration == null ? DEFAULT_LEASE_DURATION : leaseDuration;
  }

  /** An agent as its Lease says, judged as if this operator had watched the Leases forever (no {@link #watchedSince}). */
  public AgentNode(String nodeName, int landlockAbi, String cgroupMode, boolean criuUsable, boolean runscUsable,
      boolean timeNamespaces, String kernel, int sandboxesRunning, long memoryCommittedBytes,
      long memoryAllocatableBytes, Map<String, String> nodeLabels, Instant renewTime, Duration leaseDuration) {
    this(nodeName, landlockAbi, cgroupMode, criuUsable, runscUsable, timeNamespaces, kernel, sandboxesRunning,
        memoryCommittedBytes, memoryAllocatableBytes, nodeLabels, renewTime, leaseDuration, null);
  }

  /**
   * This agent as seen by an operator that could watch its Lease only since {@code since} (its start, or the end of
   * its last lost connection to the API server): a renewal it could not have seen is not held against the agent.
   */
  public AgentNode watchedSince(Instant since) {
    return new AgentNode(nodeName, landlockAbi, cgroupMode, criuUsable, runscUsable, timeNamespaces, kernel,
        sandboxesRunning, memoryCommittedBytes, memoryAllocatableBytes, nodeLabels, renewTime, leaseDuration, since);
  }

  /** The node an agent Lease speaks for, or empty when the Lease is not an agent Lease. */
  public static Optional<String> nodeNameOf(String leaseName) {
    if (leaseName == null || !leaseName.startsWith(NucleusNames.AGENT_LEASE_PREFIX)) {
      return Optional.empty();
    }
    String node = leaseName.substring(NucleusNames.AGENT_LEASE_PREFIX.length());
    return node.isEmpty() ? Optional.empty() : Optional.of(node);
  }

  /** Reads an agent Lease; empty when the Lease's name is not {@code nucleus-agent-<node>}. */
  public static Optional<AgentNode> fromLease(Lease lease) {
    if (lease == null || lease.getMetadata() == null) {
      return Optional.empty();
    }
    return nodeNameOf(lease.getMetadata().getName()).map(node -> parse(node, lease));
  }

  private static AgentNode parse(String node, Lease lease) {
    Map<String, String> a = lease.getMetadata().getAnnotations() == null ? Map.of() : lease.getMetadata().getAnnotations();
    Instant renewed = null;
    Duration duration = null;
    if (lease.getSpec() != null) {
      if (lease.getSpec().getRenewTime() != null) {
        renewed = lease.getSpec().getRenewTime().toInstant();
      }
      if (renewed == null && lease.getSpec().getAcquireTime() != null) {
        renewed = lease.getSpec().getAcquireTime().toInstant();
      }
      Integer seconds = lease.getSpec().getLeaseDurationSeconds();
      if (seconds != null && seconds > 0) {
        duration = Duration.ofSeconds(seconds);
      }
    }
    return new AgentNode(
        node,
        (int) parseLong(a.get(NucleusNames.ANNOTATION_LANDLOCK_ABI)),
        a.getOrDefault(NucleusNames.ANNOTATION_CGROUP_MODE, ""),
        Boolean.parseBoolean(a.get(NucleusNames.ANNOTATION_CRIU_USABLE)),
        Boolean.parseBoolean(a.get(NucleusNames.ANNOTATION_RUNSC_USABLE)),
        Boolean.parseBoolean(a.get(NucleusNames.ANNOTATION_TIME_NAMESPACES)),
        a.getOrDefault(NucleusNames.ANNOTATION_KERNEL, ""),
        (int) parseLong(a.get(NucleusNames.ANNOTATION_SANDBOXES_RUNNING)),
        parseLong(a.get(NucleusNames.ANNOTATION_MEMORY_COMMITTED_BYTES)),
        parseLong(a.get(NucleusNames.ANNOTATION_MEMORY_ALLOCATABLE_BYTES)),
        parseLabels(a.get(NucleusNames.ANNOTATION_NODE_LABELS)),
        renewed,
        duration);
  }

  /** True while the agent is within its own lease: it renewed less than leaseDuration ago. */
  public boolean isFresh(Instant now) {
    return renewTime != null && !now.isAfter(renewTime.plus(leaseDuration));
  }

  /**
   * True once the Lease has been expired for longer than the grace period while this operator was watching: the node
   * counts as lost. Freshness for placement ({@link #isFresh}) asks the Lease alone; loss, which is sticky and
   * releases finalizers, also needs the operator to have been able to see a renewal for that long.
   */
  public boolean isLostPastGrace(Instant now, Duration grace) {
    return renewTime == null || now.isAfter(lostAt(grace));
  }

  /** When the node will count as lost if the agent does not renew again. */
  public Instant lostAt(Duration grace) {
    if (renewTime == null) {
      return Instant.EPOCH;
    }
    Instant from = watchedSince != null && watchedSince.isAfter(renewTime) ? watchedSince : renewTime;
    return from.plus(leaseDuration).plus(grace);
  }

  private static long parseLong(String text) {
    if (text == null) {
      return 0;
    }
    try {
      return Math.max(0, Long.parseLong(text.trim()));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Map<String, String> parseLabels(String json) {
    if (json == null || json.isBlank()) {
      return Map.of();
    }
    try {
      Map<String, String> labels = JSON.readValue(json, new TypeReference<Map<String, String>>() {});
      if (labels == null) {
        return Map.of();
      }
      labels.values().removeIf(Objects::isNull);
      return labels;
    } catch (Exception e) {
      // An unreadable label set matches no nodeSelector: fail closed rather than guess.
      return Map.of();
    }
  }
}
