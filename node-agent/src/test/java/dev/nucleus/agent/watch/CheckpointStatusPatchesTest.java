package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class CheckpointStatusPatchesTest {
  static final Instant T = Instant.parse("2026-11-29T23:00:00Z");

  @Test
  void aNewAttemptClearsTheLastAttemptsFactsAndNeverTouchesOperatorFields() {
    NucleusCheckpointStatus afterFailure = new NucleusCheckpointStatus().setPhase(CheckpointPhase.Pending)
        .setNodeName("node-a").setObservedGeneration(3L).setAttempts(1).setReason(Reasons.CHECKPOINT_PENDING)
        .setCompletedAt("2026-11-29T22:59:00Z");
    String patch = CheckpointStatusPatches.mergePatchAgainst(afterFailure,
        CheckpointStatusPatches.running(2, T, "counter")).orElseThrow();
    assertThat(patch).contains("\"phase\":\"Running\"", "\"attempts\":2", "\"completedAt\":null",
        "\"reason\":\"CheckpointRunning\"").doesNotContain("nodeName", "observedGeneration", "conditions",
        "\"digest\"");
  }

  @Test
  void onlyChangedFieldsAreSentAndAReportedOutcomeIsNotSentTwice() {
    NucleusCheckpointStatus done = CheckpointStatusPatches.completed(1, T, "/c/x", "sha256:ab", 10, 5L, null, null);
    NucleusCheckpointStatus running = CheckpointStatusPatches.running(1, T, "counter");
    String patch = CheckpointStatusPatches.mergePatchAgainst(running, done).orElseThrow();
    assertThat(patch).contains("\"phase\":\"Completed\"", "\"digest\":\"sha256:ab\"", "\"sizeBytes\":10")
        .doesNotContain("attempts", "startedAt", "frozenMillis");
    NucleusCheckpointStatus shown = CheckpointStatusPatches.overlay(running, done);
    assertThat(CheckpointStatusPatches.mergePatchAgainst(shown, done)).isEmpty();
  }

  @Test
  void failureMessagesKeepCriuLinesButAreBounded() {
    String criu = "criu exited 1\ncriu: Error (criu/cr-dump.c:1628): Dumping FAILED.";
    assertThat(CheckpointStatusPatches.failed(1, T, Reasons.CHECKPOINT_FAILED, criu).getMessage()).isEqualTo(criu);
    assertThat(CheckpointStatusPatches.failed(1, T, Reasons.CHECKPOINT_FAILED, "x".repeat(5000)).getMessage())
        .hasSize(CheckpointStatusPatches.MAX_MESSAGE);
  }
}
