package dev.nucleus.agent.watch;

import static dev.nucleus.agent.watch.CheckpointDecision.Action.NOTHING;
import static dev.nucleus.agent.watch.CheckpointDecision.Action.RECOVER;
import static dev.nucleus.agent.watch.CheckpointDecision.Action.REPORT_LOST;
import static dev.nucleus.agent.watch.CheckpointDecision.Action.REPORT_OUTCOME;
import static dev.nucleus.agent.watch.CheckpointDecision.Action.START;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.watch.CheckpointDecision.Decision;
import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import org.junit.jupiter.api.Test;

class CheckpointDecisionTest {
  static final String NODE = "node-a";
  static final SandboxKey KEY = new SandboxKey("team-a", "counter-1", "0b5f6a1e-8c2d-4e8b-9a51-2f3c4d5e6f70");

  static NucleusCheckpointStatus status(CheckpointPhase phase, String node, Integer attempts) {
    return new NucleusCheckpointStatus().setPhase(phase).setNodeName(node).setAttempts(attempts);
  }

  static CheckpointRecord record(CheckpointRecord.Stage stage, int attempt) {
    CheckpointRecord running = new CheckpointRecord(KEY, "counter", "11111111-2222-3333-4444-555555555555", attempt,
        CheckpointRecord.Stage.RUNNING, "/var/lib/nucleus/checkpoints/team-a/x", false, "2026-11-29T23:00:00Z", null);
    return stage == CheckpointRecord.Stage.RUNNING ? running
        : running.ended(stage, new NucleusCheckpointStatus().setPhase(CheckpointPhase.Failed).setAttempts(attempt));
  }

  @Test
  void onlyAPendingCheckpointPlacedOnThisNodeStartsAnAttempt() {
    assertThat(CheckpointDecision.decide(status(CheckpointPhase.Pending, NODE, null), null, NODE))
        .isEqualTo(new Decision(START, 1));
    assertThat(CheckpointDecision.decide(status(CheckpointPhase.Pending, "node-b", null), null, NODE).action())
        .isEqualTo(NOTHING);
    assertThat(CheckpointDecision.decide(status(CheckpointPhase.Pending, null, null), null, NODE).action())
        .isEqualTo(NOTHING); // not admitted yet
    assertThat(CheckpointDecision.decide(null, null, NODE).action()).isEqualTo(NOTHING);
    assertThat(CheckpointDecision.decide(status(CheckpointPhase.Completed, NODE, 1), null, NODE).action())
        .isEqualTo(NOTHING);
  }

  @Test
  void aRunningRecordIsResolvedNeverRepeated() {
    for (CheckpointPhase phase : CheckpointPhase.values()) {
      assertThat(CheckpointDecision.decide(status(phase, NODE, 2), record(CheckpointRecord.Stage.RUNNING, 2), NODE))
          .isEqualTo(new Decision(RECOVER, 2));
    }
  }

  @Test
  void theOperatorsRetryStartsTheNextAttemptOnlyOnceTheCacheShowsTheLastOne() {
    CheckpointRecord failed = record(CheckpointRecord.Stage.FAILED, 2);
    assertThat(CheckpointDecision.decide(status(CheckpointPhase.Pending, NODE, 2), failed, NODE))
        .isEqualTo(new Decision(START, 3));
    // The cache still shows the state before our own Running patch of attempt 2: not a retry.
    assertThat(CheckpointDecision.decide(status(CheckpointPhase.Pending, NODE, 1), failed, NODE).action())
        .isEqualTo(NOTHING);
    assertThat(CheckpointDecision.decide(status(CheckpointPhase.Failed, NODE, 2), failed, NODE).action())
        .isEqualTo(NOTHING);
  }

  @Test
  void anEndedAttemptThatStatusDoesNotShowIsReportedAgain() {
    assertThat(CheckpointDecision.decide(status(CheckpointPhase.Running, NODE, 1),
        record(CheckpointRecord.Stage.COMPLETED, 1), NODE)).isEqualTo(new Decision(REPORT_OUTCOME, 1));
    assertThat(CheckpointDecision.decide(status(CheckpointPhase.Running, NODE, 1),
        record(CheckpointRecord.Stage.FAILED, 1), NODE)).isEqualTo(new Decision(REPORT_OUTCOME, 1));
    assertThat(CheckpointDecision.decide(status(CheckpointPhase.Completed, NODE, 1),
        record(CheckpointRecord.Stage.COMPLETED, 1), NODE).action()).isEqualTo(NOTHING);
  }

  @Test
  void aRunningAttemptThisNodeHasNoRecordOfIsLost() {
    assertThat(CheckpointDecision.decide(status(CheckpointPhase.Running, NODE, 3), null, NODE))
        .isEqualTo(new Decision(REPORT_LOST, 3));
  }
}
