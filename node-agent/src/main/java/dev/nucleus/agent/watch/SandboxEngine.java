package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The watch loop's narrow port to whatever runs sandboxes on this node: the isolation core in production,
 * a recording fake in the watch loop's tests. Sandboxes are keyed by the object's UID, so a re-created
 * object of the same name is a different sandbox, and an engine can be asked about a UID whose object is gone.
 */
public interface SandboxEngine {

  /**
   * Launches the sandbox and returns once the workload runs (or has already exited). Throws with a precise
   * reason when the spec cannot be satisfied on this node; then nothing of the sandbox is left behind.
   */
  SandboxFacts start(SandboxKey key, NucleusSandboxSpec spec) throws EngineException;

  /**
   * Where a restore comes from: the checkpoint (namespace/name), its image directory on this node, the digest the
   * image must have (what the checkpoint's status showed), and whether losing Landlock is accepted.
   */
  record RestoreSource(String checkpoint, java.nio.file.Path location, String digest, boolean acceptLandlockLoss) {}

  /**
   * Restores the sandbox from a checkpoint image instead of launching it, and returns once it runs. Throws with a
   * precise reason when the image is refused or CRIU fails; then nothing of the sandbox is left behind.
   */
  SandboxFacts restore(SandboxKey key, RestoreSource source) throws EngineException;

  /** What is true now; empty when the engine has no trace of the key (never started, or removed). */
  Optional<SandboxFacts> observe(String uid) throws EngineException;

  /** Stops the workload: SIGTERM, then after {@code grace} a kill of the whole cgroup. Idempotent. */
  void stop(String uid, Duration grace) throws EngineException;

  /** Removes every process, cgroup, mount and directory of the sandbox; idempotent, done when it returns. */
  void remove(String uid) throws EngineException;

  /**
   * Removes what a launch or restore left behind when the agent died before recording the sandbox (facts
   * {@link SandboxFacts.State#INCOMPLETE}): every process, cgroup, mount and directory it could have created.
   * Returns what it removed, in words, for the sandbox's status message.
   */
  String removeIncomplete(String uid) throws EngineException;

  /** The UIDs of every sandbox the engine still has a trace of on this node, for adoption after a restart. */
  List<String> known() throws EngineException;
}
