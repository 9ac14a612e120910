package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.CheckpointMetadata;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The watch loop's narrow port to CRIU on this node: the checkpoint service in production, a recording fake in
 * the watch loop's tests. Sandboxes are named by their object's UID, as in {@link SandboxEngine}.
 */
public interface CheckpointEngine {

  /** A signed checkpoint directory and what it cost. */
  record Image(String location, String digest, long sizeBytes, long durationMillis, Long frozenMillis,
      CheckpointMetadata metadata) {}

  /**
   * Dumps the sandbox of {@code sandboxUid} into the new directory {@code dir}; without {@code leaveRunning} the
   * sandbox is stopped after a successful dump. With {@code replaceLeftover} a directory an earlier failed attempt
   * left at {@code dir} is removed first, once the sandbox is known to be running (so it holds no only copy). On
   * failure the sandbox keeps running untouched and the exception's message carries CRIU's relevant log lines.
   */
  Image checkpoint(String sandboxUid, String sandboxName, NucleusSandboxSpec spec, Path dir, boolean leaveRunning,
      boolean replaceLeftover) throws EngineException;

  /** After a restart mid-dump: the image in {@code dir} if it is complete and verifies, else empty. */
  Optional<Image> verify(Path dir);

  /** Removes a checkpoint directory and everything in it, never following a symlink; idempotent. */
  void delete(Path dir) throws EngineException;

  /** An engine for a node without CRIU or a signing key: every dump is refused with that reason; deletes still work. */
  static CheckpointEngine unavailable(String why) {
    return new CheckpointEngine() {
      @Override
      public Image checkpoint(String sandboxUid, String sandboxName, NucleusSandboxSpec spec, Path dir,
          boolean leaveRunning, boolean replaceLeftover) throws EngineException {
        throw new EngineException(dev.nucleus.api.v1alpha1.Reasons.CRIU_UNAVAILABLE, why);
      }

      @Override
      public Optional<Image> verify(Path dir) {
        return Optional.empty();
      }

      @Override
      public void delete(Path dir) throws EngineException {
        CheckpointDirectories.deleteTree(dir);
      }
    };
  }
}
