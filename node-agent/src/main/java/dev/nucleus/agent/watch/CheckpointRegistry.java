package dev.nucleus.agent.watch;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the checkpoint side tells the sandbox side about one sandbox UID: a dump is running (its phase is
 * Checkpointing and an exit seen meanwhile is CRIU's doing, not yet reportable), or a dump without leaveRunning
 * completed (the exit that follows is {@code Checkpointed}, not a failure). One writer per object stays true:
 * only the sandbox controller patches sandboxes.
 */
final class CheckpointRegistry {
  /** The checkpoint's hold on a sandbox. */
  enum Hold { DUMPING, STOPPED_BY_DUMP }

  /** A hold and the checkpoint (namespace/name) that placed it. */
  record Use(Hold hold, String checkpoint) {}

  private final Map<String, Use> bySandboxUid = new ConcurrentHashMap<>();

  Optional<Use> of(String sandboxUid) {
    return Optional.ofNullable(bySandboxUid.get(sandboxUid));
  }

  void dumping(String sandboxUid, String checkpoint) {
    bySandboxUid.put(sandboxUid, new Use(Hold.DUMPING, checkpoint));
  }

  void stoppedByDump(String sandboxUid, String checkpoint) {
    bySandboxUid.put(sandboxUid, new Use(Hold.STOPPED_BY_DUMP, checkpoint));
  }

  /** The dump ended and the sandbox was left running (or the dump failed and CRIU resumed it). */
  void release(String sandboxUid, String checkpoint) {
    bySandboxUid.computeIfPresent(sandboxUid, (uid, use) -> use.checkpoint().equals(checkpoint) ? null : use);
  }
}
