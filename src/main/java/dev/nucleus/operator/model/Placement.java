package dev.nucleus.operator.model;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Chooses a node for a sandbox from the live agents: a fresh Lease, capabilities that cover the spec,
 * a matching nodeSelector/nodeName, then the least committed memory. Pure: the caller passes the clock.
 */
public final class Placement {

  /** Why one node was filtered out; the message counts nodes per reason, like kube-scheduler. */
  record Misfit(String singular, String plural) {
    static Misfit of(String singular, String plural) {
      return new Misfit(singular, plural);
    }
  }

  static final Misfit NO_LIVE_AGENT = Misfit.of("has no live agent", "have no live agent");
  static final Misfit NO_CRIU = Misfit.of("lacks a usable CRIU", "lack a usable CRIU");
  static final Misfit NO_RUNSC = Misfit.of("lacks a usable runsc", "lack a usable runsc");
  static final Misfit NO_TIME_NAMESPACES = Misfit.of("cannot create time namespaces", "cannot create time namespaces");
  static final Misfit SELECTOR = Misfit.of("does not match nodeSelector", "do not match nodeSelector");
  static final Misfit MEMORY = Misfit.of("has too little uncommitted memory", "have too little uncommitted memory");

  /** Cheapest first: loaded nodes sort after idle ones; the name breaks ties so the result is stable. */
  private static final Comparator<AgentNode> LEAST_LOADED =
      Comparator.comparingLong(AgentNode::memoryCommittedBytes)
          .thenComparingInt(AgentNode::sandboxesRunning)
          .thenComparing(AgentNode::nodeName);

  private Placement() {}

  /** Places a sandbox with the given requirements on one of the agents known at {@code now}. */
  public static PlacementDecision place(SandboxRequirements req, Collection<AgentNode> agents, Instant now) {
    List<AgentNode> fitting = new ArrayList<>();
    Map<Misfit, Integer> misfits = new LinkedHashMap<>();
    for (AgentNode agent : agents) {
      List<Misfit> why = misfits(req, agent, now);
      if (why.isEmpty()) {
        fitting.add(agent);
      }
      why.forEach(m -> misfits.merge(m, 1, Integer::sum));
    }
    Optional<AgentNode> best = fitting.stream().min(LEAST_LOADED);
    if (best.isPresent()) {
      return new PlacementDecision.Placed(best.get().nodeName());
    }
    return new PlacementDecision.Unschedulable(message(agents.size(), misfits));
  }

  /** Every reason this agent cannot take the sandbox; empty when it fits. A dead agent is only dead. */
  static List<Misfit> misfits(SandboxRequirements req, AgentNode agent, Instant now) {
    if (!agent.isFresh(now)) {
      return List.of(NO_LIVE_AGENT);
    }
    List<Misfit> why = new ArrayList<>();
    if (req.requiredNode() != null && !req.requiredNode().equals(agent.nodeName())) {
      why.add(Misfit.of("is not the checkpoint's node " + req.requiredNode(),
          "are not the checkpoint's node " + req.requiredNode()));
    }
    if (req.nodeName() != null && !req.nodeName().equals(agent.nodeName())) {
      why.add(Misfit.of("is not nodeName " + req.nodeName(), "are not nodeName " + req.nodeName()));
    }
    if (!agent.nodeLabels().entrySet().containsAll(req.nodeSelector().entrySet())) {
      why.add(SELECTOR);
    }
    if (agent.landlockAbi() < req.landlockAbi()) {
      why.add(Misfit.of("lacks Landlock ABI ≥ " + req.landlockAbi(), "lack Landlock ABI ≥ " + req.landlockAbi()));
    }
    if (req.needsCriu() && !agent.criuUsable()) {
      why.add(NO_CRIU);
    }
    if (req.needsRunsc() && !agent.runscUsable()) {
      why.add(NO_RUNSC);
    }
    if (req.needsTimeNamespace() && !agent.timeNamespaces()) {
      why.add(NO_TIME_NAMESPACES);
    }
    if (!fitsMemory(req, agent)) {
      why.add(MEMORY);
    }
    return why;
  }

  /** An agent that reports no allocatable memory is not limited by placement: its cgroups still are. */
  private static boolean fitsMemory(SandboxRequirements req, AgentNode agent) {
    if (req.memoryBytes() <= 0 || agent.memoryAllocatableBytes() <= 0) {
      return true;
    }
    return agent.memoryCommittedBytes() + req.memoryBytes() <= agent.memoryAllocatableBytes();
  }

  private static String message(int total, Map<Misfit, Integer> misfits) {
    if (total == 0) {
      return "0/0 nodes are available: no node agent has registered a Lease.";
    }
    List<Map.Entry<Misfit, Integer>> counted = new ArrayList<>(misfits.entrySet());
    counted.sort(Map.Entry.<Misfit, Integer>comparingByValue().reversed()
        .thenComparing(e -> e.getKey().plural()));
    StringBuilder text = new StringBuilder("0/").append(total).append(total == 1 ? " node is" : " nodes are")
        .append(" available: ");
    for (int i = 0; i < counted.size(); i++) {
      Map.Entry<Misfit, Integer> e = counted.get(i);
      if (i > 0) {
        text.append(", ");
      }
      text.append(e.getValue()).append(' ').append(e.getValue() == 1 ? e.getKey().singular() : e.getKey().plural());
    }
    return text.append('.').toString();
  }
}
