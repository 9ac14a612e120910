package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import org.junit.jupiter.api.Test;

class SandboxEventsTest {
  static NucleusSandboxStatus to(SandboxPhase phase, String reason) {
    return new NucleusSandboxStatus().setPhase(phase).setReason(reason).setPid(42L).setMessage("m");
  }

  @Test
  void startsRestoresCheckpointsAndFailuresEachGetTheirEvent() {
    assertThat(SandboxEvents.transition(SandboxPhase.Starting, to(SandboxPhase.Running, null)))
        .contains(new SandboxEvents(false, Reasons.STARTED, "started, pid 42"));
    assertThat(SandboxEvents.transition(SandboxPhase.Restoring, to(SandboxPhase.Running, Reasons.LANDLOCK_NOT_RESTORED)))
        .contains(new SandboxEvents(false, Reasons.RESTORED, "restored from a checkpoint, pid 42; Landlock is not enforced"));
    assertThat(SandboxEvents.transition(SandboxPhase.Checkpointing, to(SandboxPhase.Succeeded, Reasons.CHECKPOINTED)))
        .contains(new SandboxEvents(false, Reasons.CHECKPOINTED, "m"));
    assertThat(SandboxEvents.transition(SandboxPhase.Running, to(SandboxPhase.Failed, Reasons.OOM_KILLED)))
        .contains(new SandboxEvents(true, Reasons.OOM_KILLED, "m"));
  }

  @Test
  void noEventWithoutAPhaseChangeOrWhenADumpLeavesItRunning() {
    assertThat(SandboxEvents.transition(SandboxPhase.Running, to(SandboxPhase.Running, null))).isEmpty();
    assertThat(SandboxEvents.transition(SandboxPhase.Checkpointing, to(SandboxPhase.Running, null))).isEmpty();
    assertThat(SandboxEvents.transition(SandboxPhase.Running, to(SandboxPhase.Checkpointing, null))).isEmpty();
  }
}
