package dev.nucleus.operator.model;

import static dev.nucleus.operator.model.AgentNodes.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.operator.model.CheckpointObservation.TargetCheck;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CheckpointStatusAggregatorTest {

  private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(10), Duration.ofMinutes(5));
  private static final CheckpointObservation READY_ON_A = new CheckpointObservation(1, new TargetCheck.Ready("a"),
      null, 2);

  private static Condition condition(NucleusCheckpointStatus status, String type) {
    return Conditions.find(status.getConditions(), type).orElseThrow();
  }

  private static NucleusCheckpointStatus admitted() {
    return CheckpointStatusAggregator.aggregate(null, READY_ON_A, BACKOFF, NOW).update().status();
  }

  private static NucleusCheckpointStatus attemptFailed(int attempts, String at) {
    return admitted().setPhase(CheckpointPhase.Failed).setReason(Reasons.CHECKPOINT_FAILED)
        .setMessage("criu: dump failed").setAttempts(attempts).setCompletedAt(at);
  }

  @Test
  void aValidTargetPlacesTheCheckpointOnTheSandboxesNode() {
    var status = admitted();
    assertThat(status.getPhase()).isEqualTo(CheckpointPhase.Pending);
    assertThat(status.getNodeName()).isEqualTo("a");
    assertThat(status.getReason()).isEqualTo(Reasons.CHECKPOINT_PENDING);
    assertThat(condition(status, "Ready").getStatus()).isEqualTo("False");
    assertThat(condition(status, "DumpStarted").getStatus()).isEqualTo("False");
  }

  @Test
  void aTargetNotRunningYetWaitsWithoutANode() {
    var obs = new CheckpointObservation(1, new TargetCheck.Wait(Reasons.SANDBOX_NOT_RUNNING, "sandbox s is Starting"),
        null, 2);
    var result = CheckpointStatusAggregator.aggregate(null, obs, BACKOFF, NOW);
    assertThat(result.waiting()).isTrue();
    assertThat(result.update().status().getNodeName()).isNull();
    assertThat(result.update().status().getPhase()).isEqualTo(CheckpointPhase.Pending);
    assertThat(condition(result.update().status(), "Ready").getReason()).isEqualTo(Reasons.SANDBOX_NOT_RUNNING);
  }

  @Test
  void aRefusedTargetIsFinalAndTerminal() {
    var obs = new CheckpointObservation(1, new TargetCheck.Refuse(Reasons.CRIU_UNAVAILABLE, "node a has no CRIU"),
        null, 2);
    var status = CheckpointStatusAggregator.aggregate(null, obs, BACKOFF, NOW).update().status();
    assertThat(status.getPhase()).isEqualTo(CheckpointPhase.Failed);
    assertThat(CheckpointStatusAggregator.terminal(status)).isTrue();
  }

  @Test
  void aFailureARetryCannotChangeIsFinalWithoutRetrying() {
    for (String reason : new String[] {Reasons.LANDLOCK_BLOCKS_DUMP, Reasons.NON_ROOT_TASKS, Reasons.GVISOR_UNSUPPORTED}) {
      var failed = attemptFailed(1, "2026-11-29T20:00:00Z").setReason(reason);
      assertThat(CheckpointStatusAggregator.terminal(failed)).as(reason).isTrue();
      var later = CheckpointStatusAggregator.aggregate(failed, READY_ON_A, BACKOFF, NOW.plusSeconds(3600));
      assertThat(later.retryIn()).as(reason).isEmpty();
      assertThat(later.update().status().getPhase()).as(reason).isEqualTo(CheckpointPhase.Failed);
    }
    assertThat(CheckpointStatusAggregator.terminal(attemptFailed(1, "2026-11-29T20:00:00Z"))).isFalse();
  }

  @Test
  void aFailedAttemptWaitsItsBackoffThenGoesBackToPending() {
    var failed = attemptFailed(1, "2026-11-29T20:00:00Z");

    var early = CheckpointStatusAggregator.aggregate(failed, READY_ON_A, BACKOFF, NOW.plusSeconds(4));
    assertThat(early.retryIn()).contains(Duration.ofSeconds(6));
    assertThat(early.update().status().getPhase()).isEqualTo(CheckpointPhase.Failed);
    assertThat(condition(early.update().status(), "Failed").getStatus()).isEqualTo("True");

    var due = CheckpointStatusAggregator.aggregate(failed, READY_ON_A, BACKOFF, NOW.plusSeconds(10));
    assertThat(due.retryIn()).isEmpty();
    assertThat(due.update().status().getPhase()).isEqualTo(CheckpointPhase.Pending);
    assertThat(due.update().status().getNodeName()).isEqualTo("a");
    assertThat(due.update().status().getMessage()).isEqualTo("retry 1 of 2 after: criu: dump failed");
    assertThat(condition(due.update().status(), "Failed").getReason()).isEqualTo(Reasons.CHECKPOINT_FAILED);
  }

  @Test
  void backoffDoublesPerAttemptUpToItsCap() {
    assertThat(BACKOFF.delay(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(BACKOFF.delay(2)).isEqualTo(Duration.ofSeconds(20));
    assertThat(BACKOFF.delay(3)).isEqualTo(Duration.ofSeconds(40));
    assertThat(BACKOFF.delay(40)).isEqualTo(Duration.ofMinutes(5));
    var second = CheckpointStatusAggregator.aggregate(attemptFailed(2, "2026-11-29T20:00:00Z"), READY_ON_A, BACKOFF,
        NOW.plusSeconds(5));
    assertThat(second.retryIn()).contains(Duration.ofSeconds(15));
  }

  @Test
  void pastTheBackoffLimitTheCheckpointFailsForGood() {
    var result = CheckpointStatusAggregator.aggregate(attemptFailed(3, "2026-11-29T20:00:00Z"), READY_ON_A, BACKOFF,
        NOW.plusSeconds(3600));

    var status = result.update().status();
    assertThat(status.getPhase()).isEqualTo(CheckpointPhase.Failed);
    assertThat(status.getReason()).isEqualTo(Reasons.BACKOFF_LIMIT_EXCEEDED);
    assertThat(status.getMessage()).isEqualTo("3 attempt(s) failed, backoffLimit is 2; last: criu: dump failed");
    assertThat(CheckpointStatusAggregator.terminal(status)).isTrue();
    assertThat(result.retryIn()).isEmpty();
    assertThat(condition(status, "Failed").getReason()).isEqualTo(Reasons.BACKOFF_LIMIT_EXCEEDED);
  }

  @Test
  void terminalPhasesAreNeverTouchedAgain() {
    var completed = admitted().setPhase(CheckpointPhase.Completed).setLocation("/var/lib/nucleus/ck")
        .setSizeBytes(1234L).setAttempts(1);
    var first = CheckpointStatusAggregator.aggregate(completed, READY_ON_A, BACKOFF, NOW).update().status();
    assertThat(condition(first, "Ready").getStatus()).isEqualTo("True");
    assertThat(condition(first, "Completed").getMessage()).isEqualTo("image at /var/lib/nucleus/ck, 1234 bytes");

    var lostLater = new CheckpointObservation(1, new TargetCheck.Refuse(Reasons.SANDBOX_NOT_RUNNING, "gone"),
        "node a lost", 2);
    var again = CheckpointStatusAggregator.aggregate(first, lostLater, BACKOFF, NOW.plusSeconds(99));
    assertThat(again.update().changed()).isFalse();
    assertThat(again.retryIn()).isEmpty();
    assertThat(again.waiting()).isFalse();
  }

  @Test
  void theAgentsRunningPhaseStandsAndStartsTheDumpCondition() {
    var running = admitted().setPhase(CheckpointPhase.Running).setAttempts(1).setStartedAt("2026-11-29T20:00:01Z");
    var result = CheckpointStatusAggregator.aggregate(running, READY_ON_A, BACKOFF, NOW);
    assertThat(result.update().status().getPhase()).isEqualTo(CheckpointPhase.Running);
    assertThat(result.update().mergePatch()).containsOnlyKeys("conditions");
    assertThat(condition(result.update().status(), "DumpStarted").getStatus()).isEqualTo("True");
  }

  @Test
  void losingTheNodeMidDumpFailsTheCheckpoint() {
    var running = admitted().setPhase(CheckpointPhase.Running).setAttempts(1);
    var obs = new CheckpointObservation(1, new TargetCheck.Ready("a"), "agent on a stopped renewing", 2);
    var status = CheckpointStatusAggregator.aggregate(running, obs, BACKOFF, NOW).update().status();
    assertThat(status.getPhase()).isEqualTo(CheckpointPhase.Failed);
    assertThat(status.getReason()).isEqualTo(Reasons.NODE_LOST);
    assertThat(Optional.ofNullable(status.getNodeName())).contains("a");
  }
}
