package dev.nucleus.agent.watch;

import java.util.Objects;

/**
 * What the agent durably remembers about one sandbox it accepted: recorded before the engine is asked
 * to start it, so that a restarted agent never starts the same UID twice.
 *
 * @param stage {@link Stage#ACCEPTED} before the engine call, {@link Stage#STARTED} once it returned,
 *     {@link Stage#FAILED} once a refused start is reported (nothing runs; never retried), {@link Stage#CHECKPOINTED}
 *     once the workload was seen stopped by a checkpoint's dump (reported Succeeded, reason Checkpointed, for good)
 * @param sandboxId the engine's id, set once started
 */
public record Assignment(SandboxKey key, Stage stage, String sandboxId, String acceptedAt) {

  /** How far the agent got with this sandbox before it could have died. */
  public enum Stage { ACCEPTED, STARTED, FAILED, CHECKPOINTED }

  public Assignment {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(acceptedAt, "acceptedAt");
    if ((stage == Stage.STARTED || stage == Stage.CHECKPOINTED) && (sandboxId == null || sandboxId.isBlank())) {
      throw new IllegalArgumentException("a started assignment needs a sandboxId");
    }
  }

  public Assignment failed() {
    return new Assignment(key, Stage.FAILED, sandboxId, acceptedAt);
  }

  public Assignment checkpointed() {
    return new Assignment(key, Stage.CHECKPOINTED, sandboxId, acceptedAt);
  }

  public Assignment started(String id) {
    return new Assignment(key, Stage.STARTED, id, acceptedAt);
  }
}
