package dev.nucleus.operator.checkpoint;

import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import dev.nucleus.operator.model.AgentNode;
import dev.nucleus.operator.model.CheckpointObservation.TargetCheck;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** Judges a checkpoint's target: it must exist, run, and sit on a node whose live agent can use CRIU. */
final class CheckpointTargets {
  /** A sandbox in one of these phases will never run again, so it can never be dumped. */
  private static final Set<SandboxPhase> GONE = EnumSet.of(SandboxPhase.Succeeded, SandboxPhase.Failed,
      SandboxPhase.Lost, SandboxPhase.Terminating);

  private CheckpointTargets() {}

  static TargetCheck check(String name, Optional<NucleusSandbox> sandbox, Optional<AgentNode> agent, Instant now) {
    if (sandbox.isEmpty()) {
      return new TargetCheck.Wait(Reasons.SANDBOX_NOT_RUNNING, "sandbox " + name + " does not exist in this namespace");
    }
    var status = sandbox.get().getStatus();
    SandboxPhase phase = status == null || status.getPhase() == null ? SandboxPhase.Pending : status.getPhase();
    if (GONE.contains(phase) || sandbox.get().getMetadata().getDeletionTimestamp() != null) {
      return new TargetCheck.Refuse(Reasons.SANDBOX_NOT_RUNNING, "sandbox " + name + " is " + phase
          + " and will not run again");
    }
    if (phase != SandboxPhase.Running) {
      return new TargetCheck.Wait(Reasons.SANDBOX_NOT_RUNNING, "sandbox " + name + " is " + phase + ", not Running");
    }
    String node = status.getNodeName();
    if (agent.isEmpty() || !agent.get().isFresh(now)) {
      return new TargetCheck.Wait(Reasons.SANDBOX_NOT_RUNNING, "the agent on node " + node + " is not live");
    }
    if (!agent.get().criuUsable()) {
      return new TargetCheck.Refuse(Reasons.CRIU_UNAVAILABLE, "node " + node + " has no usable CRIU");
    }
    return new TargetCheck.Ready(node);
  }
}
