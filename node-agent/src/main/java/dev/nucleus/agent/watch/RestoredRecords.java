package dev.nucleus.agent.watch;

import dev.nucleus.agent.checkpoint.CheckpointException;
import dev.nucleus.agent.runtime.RestoredLaunch;
import dev.nucleus.agent.runtime.SandboxRecord;
import dev.nucleus.api.v1alpha1.Reasons;

/**
 * What the agent reads from the state.json of a sandbox restored from a checkpoint (written by the runtime's restore
 * mode, {@code cgroupVersion: restored}): the reason its status carries while it runs, and the API reason of a
 * refused or failed restore.
 */
final class RestoredRecords {
  private RestoredRecords() {}

  /** LandlockNotRestored or Restored for a restored sandbox's record; null for a launched one. */
  static String reason(SandboxRecord r) {
    if (!RestoredLaunch.CGROUP_VERSION.equals(r.cgroupVersion())) {
      return null;
    }
    return r.isolation() != null && Reasons.LANDLOCK_NOT_RESTORED.equals(r.isolation().get("isolationReason"))
        ? Reasons.LANDLOCK_NOT_RESTORED : Reasons.RESTORED;
  }

  /** The API reason of a refused or failed restore, with CRIU's relevant log lines on the same line. */
  static EngineException failure(CheckpointException e) {
    StringBuilder message = new StringBuilder(e.getMessage());
    for (String line : e.criuLog()) {
      message.append("; criu: ").append(line);
    }
    return new EngineException(e.apiReason(true), message.toString(), e);
  }
}
