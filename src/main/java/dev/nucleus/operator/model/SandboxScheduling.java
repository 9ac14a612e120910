package dev.nucleus.operator.model;

import dev.nucleus.api.v1alpha1.ConditionTypes;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Decides where a valid sandbox is after this pass: kept on its node, lost with it, placed again after the loss
 * (restartPolicy OnFailure) or placed for the first time. Lost is sticky: the agent may return, but the
 * sandbox it ran is gone from the operator's view and the agent tears it down.
 */
public final class SandboxScheduling {

  /** The outcome; exactly one of {@code nodeName} and {@code unschedulableMessage} is set. */
  public record Outcome(String nodeName, String unschedulableMessage, String nodeLostMessage, boolean replaced) {
    /** True when the sandbox's node was found lost in this pass (not merely still Lost). */
    public boolean newlyLostOrReplaced(NucleusSandboxStatus before) {
      boolean wasLost = before != null && before.getPhase() == SandboxPhase.Lost;
      return replaced || (nodeLostMessage != null && !wasLost);
    }
  }

  private SandboxScheduling() {}

  public static Outcome decide(NucleusSandboxStatus status, SandboxRequirements req, boolean restartOnFailure,
      Map<String, AgentNode> agents, Duration grace, Instant now) {
    String node = status == null ? null : status.getNodeName();
    if (node == null) {
      return place(req, agents, now, false);
    }
    if (status.getPhase() == SandboxPhase.Lost) {
      String message = Optional.ofNullable(status.getConditions()).flatMap(c -> Conditions.find(c, ConditionTypes.READY))
          .map(Condition::getMessage).orElse("node " + node + " was lost");
      return new Outcome(node, null, message, false);
    }
    AgentNode agent = agents.get(node);
    boolean lost = !SandboxStatusAggregator.finished(status) && (agent == null || agent.isLostPastGrace(now, grace));
    if (!lost) {
      return new Outcome(node, null, null, false);
    }
    if (!restartOnFailure) {
      return new Outcome(node, null, lostMessage(node, agent, grace), false);
    }
    Map<String, AgentNode> others = new HashMap<>(agents);
    others.remove(node);
    return place(req, others, now, true);
  }

  /** When to look again so a placed sandbox's node loss is noticed on time; empty when nothing can be lost. */
  public static Optional<Duration> untilLossCheck(Outcome outcome, NucleusSandboxStatus status,
      Map<String, AgentNode> agents, Duration grace, Instant now) {
    if (outcome.nodeName() == null || outcome.nodeLostMessage() != null || SandboxStatusAggregator.finished(status)) {
      return Optional.empty();
    }
    AgentNode agent = agents.get(outcome.nodeName());
    Instant due = agent == null ? now : agent.lostAt(grace);
    Duration wait = Duration.between(now, due).plusSeconds(1);
    return Optional.of(wait.isNegative() ? Duration.ofSeconds(1) : wait);
  }

  private static Outcome place(SandboxRequirements req, Map<String, AgentNode> agents, Instant now, boolean again) {
    PlacementDecision decision = Placement.place(req, agents.values(), now);
    if (decision instanceof PlacementDecision.Placed placed) {
      return new Outcome(placed.nodeName(), null, null, again);
    }
    return new Outcome(null, ((PlacementDecision.Unschedulable) decision).message(), null, again);
  }

  private static String lostMessage(String node, AgentNode agent, Duration grace) {
    if (agent == null) {
      return "node " + node + " has no agent Lease any more";
    }
    return "the agent on node " + node + " has not renewed its Lease since " + agent.renewTime()
        + " (lease " + agent.leaseDuration().toSeconds() + "s + grace " + grace.toSeconds() + "s)";
  }
}
