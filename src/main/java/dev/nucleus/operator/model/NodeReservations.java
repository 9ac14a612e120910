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
   * Per node {sandboxes, memory bytes} of the reservations whose sandbox has not started: kept as running sums so a
   * decision during a burst costs one copy per node, not a walk over every reservation (1,000 in a burst, under
   * the lock every placement takes).
   */
  private final Map<String, long[]> unstartedByNode = new HashMap<>();
  /** The reservations whose sandbox has started: they count until a Lease renewal reflects them, then end. */
  private final Map<String, Reservation> started = new HashMap<>();

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
      remove(sandbox);
    } else if (!node.equals(previousNode)) {
      put(sandbox, new Reservation(node, Math.max(0, memoryBytes), null));
    }
    return outcome;
  }

  /** The agent reported the sandbox started at {@code startedAt}: its next Lease renewal includes it. */
  public synchronized void started(String sandbox, Instant startedAt) {
    Reservation r = bySandbox.get(sandbox);
    if (r != null) {
      put(sandbox, new Reservation(r.node(), r.memoryBytes(), startedAt));
    }
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
    remove(sandbox);
  }

  /** How many reservations are held (for tests and diagnostics). */
  public synchronized int size() {
    return bySandbox.size();
  }

  /**
   * The agents as placement should see them: Lease load plus reservations the Lease does not reflect yet, except
   * {@code except}'s own. A started reservation that a renewal now reflects has done its job and ends here.
   */
  synchronized Map<String, AgentNode> withReservations(Map<String, AgentNode> agents, String except) {
    Map<String, long[]> extra = new HashMap<>(); // node -> {sandboxes, memory bytes}
    unstartedByNode.forEach((node, sum) -> {
      if (agents.containsKey(node)) {
        extra.put(node, sum.clone());
      }
    });
    Reservation own = bySandbox.get(except);
    if (own != null && own.startedAt() == null && extra.containsKey(own.node())) {
      add(extra, own.node(), -1, -own.memoryBytes());
    }
    var it = started.entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      Reservation r = e.getValue();
      AgentNode agent = agents.get(r.node());
      if (agent != null && reflected(r, agent)) {
        it.remove();
        bySandbox.remove(e.getKey());
      } else if (agent != null && !e.getKey().equals(except)) {
        add(extra, r.node(), 1, r.memoryBytes());
      }
    }
    Map<String, AgentNode> loaded = new HashMap<>(agents);
    extra.forEach((node, sum) -> {
      if (sum[0] == 0 && sum[1] == 0) {
        return;
      }
      AgentNode agent = agents.get(node);
      loaded.put(node, new AgentNode(agent.nodeName(), agent.landlockAbi(), agent.cgroupMode(),
          agent.criuUsable(), agent.runscUsable(), agent.timeNamespaces(), agent.kernel(),
          agent.sandboxesRunning() + (int) sum[0], agent.memoryCommittedBytes() + sum[1], agent.memoryAllocatableBytes(), agent.nodeLabels(),
          agent.renewTime(), agent.leaseDuration()));
    });
    return loaded;
  }

  private void put(String sandbox, Reservation r) {
    remove(sandbox);
    bySandbox.put(sandbox, r);
    if (r.startedAt() == null) {
      add(unstartedByNode, r.node(), 1, r.memoryBytes());
    } else {
      started.put(sandbox, r);
    }
  }

  private void remove(String sandbox) {
    Reservation r = bySandbox.remove(sandbox);
    if (r == null) {
      return;
    }
    if (r.startedAt() != null) {
      started.remove(sandbox);
      return;
    }
    long[] sum = add(unstartedByNode, r.node(), -1, -r.memoryBytes());
    if (sum[0] == 0) {
      unstartedByNode.remove(r.node());
    }
  }

  private static long[] add(Map<String, long[]> sums, String node, long sandboxes, long memoryBytes) {
    long[] sum = sums.computeIfAbsent(node, n -> new long[2]);
    sum[0] += sandboxes;
    sum[1] += memoryBytes;
    return sum;
  }

  /** The Lease was renewed after the agent reported the sandbox started, so its load annotations count it. */
  private static boolean reflected(Reservation r, AgentNode agent) {
    return agent.renewTime() != null && agent.renewTime().isAfter(r.startedAt());
  }
}
