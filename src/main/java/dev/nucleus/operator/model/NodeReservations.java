package dev.nucleus.operator.model;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Load the operator has placed on nodes but the agents' Leases do not show yet. An agent reports its load only when
 * it renews its Lease, so a burst of placements would otherwise all see the same idle node and pile onto it. A
 * reservation lives from the placement until the agent has reported the sandbox started and renewed its Lease after
 * that, or until the sandbox leaves the node (finished, lost, deleted, placed elsewhere). Kept in memory: a
 * restarted operator starts empty and trusts the Leases, which then lag by at most one renewal.
 */
public final class NodeReservations {

  private record Reservation(String node, long memoryBytes, Instant startedAt) {}

  private final Map<String, Reservation> bySandbox = new HashMap<>();

  /**
   * Runs {@code decide} over the agents with every other sandbox's unreported reservation added to their load, and
   * reserves on the node it picks when that is a new placement (not {@code previousNode}). Atomic, so concurrent
   * placements each see the others.
   */
  public synchronized SandboxScheduling.Outcome schedule(String sandbox, String previousNode, long memoryBytes,
      Map<String, AgentNode> agents, Function<Map<String, AgentNode>, SandboxScheduling.Outcome> decide) {
    SandboxScheduling.Outcome outcome = decide.apply(withReservations(agents, sandbox));
    String node = outcome.nodeName();
    if (node == null || outcome.nodeLostMessage() != null) {
      bySandbox.remove(sandbox);
    } else if (!node.equals(previousNode)) {
      bySandbox.put(sandbox, new Reservation(node, Math.max(0, memoryBytes), null));
    }
    return outcome;
  }

  /** The agent reported the sandbox started at {@code startedAt}: its next Lease renewal includes it. */
  public synchronized void started(String sandbox, Instant startedAt) {
    bySandbox.computeIfPresent(sandbox, (k, r) -> new Reservation(r.node(), r.memoryBytes(), startedAt));
  }

  /**
   * As {@link #started(String, Instant)} with the agent's RFC 3339 text; an unreadable time keeps the reservation
   * (over-counting a node only spreads load more, under-counting could overfill it).
   */
  public void started(String sandbox, String startedAt) {
    try {
      started(sandbox, Instant.parse(startedAt));
    } catch (DateTimeParseException | NullPointerException e) {
      // keep the reservation until the sandbox leaves the node
    }
  }

  /** The sandbox no longer loads the node it was reserved on. */
  public synchronized void release(String sandbox) {
    bySandbox.remove(sandbox);
  }

  /** How many reservations are held (for tests and diagnostics). */
  public synchronized int size() {
    return bySandbox.size();
  }

  /**
   * The agents as placement should see them: Lease load plus reservations the Lease does not reflect yet. Sums per
   * node first, so a burst of N placements costs one copy per node instead of one per reservation.
   */
  synchronized Map<String, AgentNode> withReservations(Map<String, AgentNode> agents, String except) {
    Map<String, long[]> extra = new HashMap<>(); // node -> {sandboxes, memory bytes}
    bySandbox.forEach((sandbox, r) -> {
      AgentNode agent = agents.get(r.node());
      if (agent == null || sandbox.equals(except) || reflected(r, agent)) {
        return;
      }
      long[] sum = extra.computeIfAbsent(r.node(), n -> new long[2]);
      sum[0]++;
      sum[1] += r.memoryBytes();
    });
    Map<String, AgentNode> loaded = new HashMap<>(agents);
    extra.forEach((node, sum) -> {
      AgentNode agent = agents.get(node);
      loaded.put(node, new AgentNode(agent.nodeName(), agent.landlockAbi(), agent.cgroupMode(),
          agent.criuUsable(), agent.runscUsable(), agent.kernel(), agent.sandboxesRunning() + (int) sum[0],
          agent.memoryCommittedBytes() + sum[1], agent.memoryAllocatableBytes(), agent.nodeLabels(),
          agent.renewTime(), agent.leaseDuration()));
    });
    return loaded;
  }

  /** The Lease was renewed after the agent reported the sandbox started, so its load annotations count it. */
  private static boolean reflected(Reservation r, AgentNode agent) {
    return r.startedAt() != null && agent.renewTime() != null && agent.renewTime().isAfter(r.startedAt());
  }
}
