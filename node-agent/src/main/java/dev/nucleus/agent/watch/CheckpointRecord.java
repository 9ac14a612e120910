package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import java.util.Objects;

/**
 * What the agent durably remembers about one NucleusCheckpoint it serves: written before a dump starts, so a
 * restarted agent neither repeats a finished dump nor forgets a running one, and after it ends, with the outcome
 * it reported, so a lost status patch can be sent again and the image directory is known until deletion.
 *
 * @param key the checkpoint object's namespace, name and UID
 * @param attempt the attempt number this record is about (the status's {@code attempts})
 * @param location the image directory of this attempt
 * @param outcome the agent-owned status fields reported at the end; null while {@link Stage#RUNNING}
 */
public record CheckpointRecord(SandboxKey key, String sandboxName, String sandboxUid, int attempt, Stage stage,
    String location, boolean leaveRunning, String startedAt, NucleusCheckpointStatus outcome) {

  /** How far the attempt got before the agent could have died. */
  public enum Stage { RUNNING, COMPLETED, FAILED }

  public CheckpointRecord {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(startedAt, "startedAt");
    if (!SandboxKey.isValidUid(sandboxUid)) {
      throw new IllegalArgumentException("sandboxUid is not a Kubernetes UID: " + sandboxUid);
    }
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1, got " + attempt);
    }
    if ((stage == Stage.RUNNING) != (outcome == null)) {
      throw new IllegalArgumentException("an outcome is recorded exactly when the attempt has ended");
    }
  }

  public CheckpointRecord ended(Stage end, NucleusCheckpointStatus reported) {
    if (end == Stage.RUNNING) {
      throw new IllegalArgumentException("an attempt ends Completed or Failed");
    }
    return new CheckpointRecord(key, sandboxName, sandboxUid, attempt, end, location, leaveRunning, startedAt, reported);
  }
}
