package dev.nucleus.operator.model;

import static dev.nucleus.operator.model.AgentNodes.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.ConditionTypes;
import dev.nucleus.api.v1alpha1.Isolation;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import org.junit.jupiter.api.Test;

class SandboxStatusAggregatorTest {

  private static Condition condition(NucleusSandboxStatus status, String type) {
    return Conditions.find(status.getConditions(), type).orElseThrow();
  }

  private static NucleusSandboxStatus running(NucleusSandboxStatus placed) {
    return StatusPatches.apply(StatusPatches.tree(placed), java.util.Map.of(
        "phase", "Running", "startedAt", "2026-11-29T19:59:00Z", "pid", 4242, "sandboxId", "abc",
        "isolation", StatusPatches.json(new Isolation().setRuntime("Native").setLandlockAbi(7))),
        NucleusSandboxStatus.class);
  }

  @Test
  void placementSetsScheduledNodeAndPhaseAndStampsGeneration() {
    var update = SandboxStatusAggregator.aggregate(null, SandboxObservation.placed(3, "node-a"), NOW);

    var status = update.status();
    assertThat(status.getPhase()).isEqualTo(SandboxPhase.Scheduled);
    assertThat(status.getNodeName()).isEqualTo("node-a");
    assertThat(status.getObservedGeneration()).isEqualTo(3L);
    assertThat(status.getConditions()).extracting(Condition::getType).containsExactly(
        "Scheduled", "Started", "Isolated", "Completed", "Ready");
    assertThat(status.getConditions()).allSatisfy(c -> {
      assertThat(c.getObservedGeneration()).isEqualTo(3L);
      assertThat(c.getLastTransitionTime()).isEqualTo("2026-11-29T20:00:00Z");
    });
    assertThat(condition(status, "Scheduled").getStatus()).isEqualTo("True");
    assertThat(condition(status, "Ready").getReason()).isEqualTo(Reasons.WAITING_FOR_AGENT);
    assertThat(update.changed()).isTrue();
    assertThat(update.transitions()).hasSize(5);
  }

  @Test
  void anUnchangedObservationChangesNothingAndKeepsTransitionTimes() {
    var first = SandboxStatusAggregator.aggregate(null, SandboxObservation.placed(3, "node-a"), NOW).status();

    var again = SandboxStatusAggregator.aggregate(first, SandboxObservation.placed(3, "node-a"), NOW.plusSeconds(60));

    assertThat(again.changed()).isFalse();
    assertThat(again.mergePatch()).isEmpty();
    assertThat(again.transitions()).isEmpty();
  }

  @Test
  void aStatusFlipMovesOnlyThatConditionsTransitionTime() {
    var placed = SandboxStatusAggregator.aggregate(null, SandboxObservation.placed(1, "node-a"), NOW).status();

    var update = SandboxStatusAggregator.aggregate(running(placed), SandboxObservation.placed(1, "node-a"),
        NOW.plusSeconds(30));

    var status = update.status();
    assertThat(condition(status, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(status, "Ready").getLastTransitionTime()).isEqualTo("2026-11-29T20:00:30Z");
    assertThat(condition(status, "Scheduled").getLastTransitionTime()).isEqualTo("2026-11-29T20:00:00Z");
    assertThat(condition(status, "Isolated").getReason()).isEqualTo(Reasons.ISOLATION_ENFORCED);
    assertThat(update.transitions()).extracting(Condition::getType)
        .containsExactlyInAnyOrder("Started", "Isolated", "Ready");
  }

  @Test
  void neverWritesAgentOwnedFieldsOrAnAgentPhase() {
    var placed = SandboxStatusAggregator.aggregate(null, SandboxObservation.placed(1, "node-a"), NOW).status();

    var update = SandboxStatusAggregator.aggregate(running(placed), SandboxObservation.placed(2, "node-a"), NOW);

    assertThat(update.mergePatch()).containsOnlyKeys("observedGeneration", "conditions");
    assertThat(update.status().getPhase()).isEqualTo(SandboxPhase.Running);
    assertThat(update.status().getPid()).isEqualTo(4242L);
  }

  @Test
  void invalidSpecIsReadyFalseInvalidSpecNamingTheField() {
    var obs = new SandboxObservation(1, false, List.of(new SpecProblem("spec.runtime", "GVisor is not supported yet")),
        null, null, null, false);

    var status = SandboxStatusAggregator.aggregate(null, obs, NOW).status();

    assertThat(status.getPhase()).isEqualTo(SandboxPhase.Pending);
    assertThat(condition(status, "Ready").getReason()).isEqualTo(Reasons.INVALID_SPEC);
    assertThat(condition(status, "Ready").getMessage()).isEqualTo("spec.runtime: GVisor is not supported yet");
    assertThat(condition(status, "Scheduled").getStatus()).isEqualTo("False");
  }

  @Test
  void unschedulableCarriesTheSchedulerMessage() {
    var obs = new SandboxObservation(1, false, List.of(), null, "0/1 node is available: 1 has no live agent.", null,
        false);

    var status = SandboxStatusAggregator.aggregate(null, obs, NOW).status();

    assertThat(condition(status, "Scheduled").getReason()).isEqualTo(Reasons.UNSCHEDULABLE);
    assertThat(status.getMessage()).isEqualTo("0/1 node is available: 1 has no live agent.");
  }

  @Test
  void nodeLossMarksLostOverTheAgentsRunningPhase() {
    var placed = SandboxStatusAggregator.aggregate(null, SandboxObservation.placed(1, "node-a"), NOW).status();
    var obs = new SandboxObservation(1, false, List.of(), "node-a", null, "agent on node-a stopped renewing", false);

    var update = SandboxStatusAggregator.aggregate(running(placed), obs, NOW);

    assertThat(update.status().getPhase()).isEqualTo(SandboxPhase.Lost);
    assertThat(condition(update.status(), "Ready").getReason()).isEqualTo(Reasons.NODE_LOST);
    assertThat(update.status().getPid()).isEqualTo(4242L);
  }

  @Test
  void placingAgainAfterLossClearsTheLostRunsAgentFields() {
    var placed = SandboxStatusAggregator.aggregate(null, SandboxObservation.placed(1, "node-a"), NOW).status();
    var obs = new SandboxObservation(1, false, List.of(), "node-b", null, null, true);

    var update = SandboxStatusAggregator.aggregate(running(placed), obs, NOW);

    assertThat(update.mergePatch()).containsEntry("pid", null).containsEntry("startedAt", null)
        .containsEntry("nodeName", "node-b").containsEntry("phase", "Scheduled");
    assertThat(update.status().getPid()).isNull();
    assertThat(condition(update.status(), "Scheduled").getReason()).isEqualTo(Reasons.RESCHEDULED);
    assertThat(condition(update.status(), "Started").getStatus()).isEqualTo("False");
  }

  @Test
  void aFailedLaunchReportsTheAgentsReasonOnIsolatedAndCompleted() {
    var placed = SandboxStatusAggregator.aggregate(null, SandboxObservation.placed(1, "node-a"), NOW).status();
    var failed = placed.setPhase(SandboxPhase.Failed).setReason(Reasons.LANDLOCK_UNSUPPORTED)
        .setMessage("TCP rules need ABI 4").setExitCode(126);

    var status = SandboxStatusAggregator.aggregate(failed, SandboxObservation.placed(1, "node-a"), NOW).status();

    assertThat(condition(status, "Isolated").getStatus()).isEqualTo("False");
    assertThat(condition(status, "Isolated").getReason()).isEqualTo(Reasons.LANDLOCK_UNSUPPORTED);
    assertThat(condition(status, "Completed").getMessage()).isEqualTo("exit code 126: TCP rules need ABI 4");
    assertThat(condition(status, "Started").getReason()).isEqualTo(Reasons.LANDLOCK_UNSUPPORTED);
    assertThat(status.getPhase()).isEqualTo(SandboxPhase.Failed);
  }

  @Test
  void aNamespaceTheNodeCannotCreateIsAnIsolationFailure() {
    for (String reason : List.of(Reasons.USER_NAMESPACE_UNAVAILABLE, Reasons.TIME_NAMESPACE_UNAVAILABLE)) {
      var placed = SandboxStatusAggregator.aggregate(null, SandboxObservation.placed(1, "node-a"), NOW).status();
      var failed = placed.setPhase(SandboxPhase.Failed).setReason(reason).setMessage("unshare: EPERM");

      var status = SandboxStatusAggregator.aggregate(failed, SandboxObservation.placed(1, "node-a"), NOW).status();

      assertThat(condition(status, "Isolated").getStatus()).as(reason).isEqualTo("False");
      assertThat(condition(status, "Isolated").getReason()).as(reason).isEqualTo(reason);
    }
  }

  @Test
  void aRestoreWithoutLandlockIsStartedRestoredAndSaysSoOnIsolated() {
    var placed = SandboxStatusAggregator.aggregate(null, SandboxObservation.placed(1, "node-a"), NOW).status();
    for (String agentReason : new String[] {Reasons.RESTORED, Reasons.LANDLOCK_NOT_RESTORED}) {
      var restored = running(placed).setReason(agentReason);

      var status = SandboxStatusAggregator.aggregate(restored, SandboxObservation.placed(1, "node-a"), NOW).status();

      assertThat(condition(status, "Started").getReason()).as(agentReason).isEqualTo(Reasons.RESTORED);
      assertThat(condition(status, "Isolated").getReason()).as(agentReason).isEqualTo(
          agentReason.equals(Reasons.RESTORED) ? Reasons.ISOLATION_ENFORCED : Reasons.LANDLOCK_NOT_RESTORED);
    }
    assertThat(condition(SandboxStatusAggregator.aggregate(running(placed), SandboxObservation.placed(1, "node-a"),
        NOW).status(), "Started").getReason()).isEqualTo(Reasons.LAUNCHED);
  }

  @Test
  void deletionIsTerminating() {
    var placed = SandboxStatusAggregator.aggregate(null, SandboxObservation.placed(1, "node-a"), NOW).status();
    var obs = new SandboxObservation(1, true, List.of(), "node-a", null, null, false);

    var status = SandboxStatusAggregator.aggregate(running(placed), obs, NOW).status();

    assertThat(status.getPhase()).isEqualTo(SandboxPhase.Terminating);
    assertThat(condition(status, ConditionTypes.READY).getReason()).isEqualTo(Reasons.TERMINATING);
  }
}
