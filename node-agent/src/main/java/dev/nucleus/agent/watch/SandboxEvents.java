package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/** Pure choice of the Event a sandbox status transition deserves: Started, Restored, Checkpointed or Failed. */
record SandboxEvents(boolean warning, String reason, String message) {
  private static final Set<SandboxPhase> BEFORE_RUNNING = EnumSet.of(SandboxPhase.Pending, SandboxPhase.Scheduled,
      SandboxPhase.Starting, SandboxPhase.Restoring);

  /** The event for a status going from phase {@code before} to {@code after}; empty when the phase stays. */
  static Optional<SandboxEvents> transition(SandboxPhase before, NucleusSandboxStatus after) {
    SandboxPhase now = after.getPhase();
    if (now == null || now == before) {
      return Optional.empty();
    }
    if (now == SandboxPhase.Running && (before == null || BEFORE_RUNNING.contains(before))) {
      boolean restored = Reasons.RESTORED.equals(after.getReason())
          || Reasons.LANDLOCK_NOT_RESTORED.equals(after.getReason());
      return Optional.of(new SandboxEvents(false, restored ? Reasons.RESTORED : Reasons.STARTED,
          (restored ? "restored from a checkpoint" : "started") + ", pid " + after.getPid()
              + (Reasons.LANDLOCK_NOT_RESTORED.equals(after.getReason()) ? "; Landlock is not enforced" : "")));
    }
    if (now == SandboxPhase.Succeeded && Reasons.CHECKPOINTED.equals(after.getReason())) {
      return Optional.of(new SandboxEvents(false, Reasons.CHECKPOINTED, after.getMessage()));
    }
    if (now == SandboxPhase.Failed) {
      return Optional.of(new SandboxEvents(true, after.getReason() == null ? Reasons.FAILED : after.getReason(),
          after.getMessage()));
    }
    return Optional.empty();
  }

  void send(AgentEvents events, NucleusSandbox about) {
    if (warning) {
      events.warning(about, reason, message);
    } else {
      events.normal(about, reason, message);
    }
  }
}
