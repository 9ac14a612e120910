package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Reasons;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Pure resolution of a sandbox's {@code spec.restoreFrom} into what the engine restores: the checkpoint must be
 * Completed on this node, its image directory inside this node's checkpoint root, its digest known (the restore
 * must find exactly that image), and Landlock's loss is accepted only when the spec says so.
 */
final class RestoreSources {
  private RestoreSources() {}

  static SandboxEngine.RestoreSource resolve(NucleusSandboxSpec spec, String namespace,
      Optional<NucleusCheckpoint> found, String node, Path checkpointRoot) throws EngineException {
    String name = spec.getRestoreFrom().getCheckpointRef() == null ? null
        : spec.getRestoreFrom().getCheckpointRef().getName();
    if (name == null || found.isEmpty()) {
      throw notReady("NucleusCheckpoint " + namespace + "/" + name + " does not exist");
    }
    NucleusCheckpoint checkpoint = found.get();
    var status = checkpoint.getStatus();
    if (checkpoint.getMetadata().getDeletionTimestamp() != null) {
      throw notReady("NucleusCheckpoint " + name + " is being deleted");
    }
    if (status == null || status.getPhase() != CheckpointPhase.Completed) {
      throw notReady("NucleusCheckpoint " + name + " is " + (status == null ? null : status.getPhase())
          + ", not Completed");
    }
    if (!node.equals(status.getNodeName())) {
      throw notReady("NucleusCheckpoint " + name + " is on node " + status.getNodeName() + ", not on " + node);
    }
    if (status.getLocation() == null || status.getDigest() == null
        || !CheckpointDirectories.isInside(checkpointRoot, Path.of(status.getLocation()))) {
      throw new EngineException(Reasons.CHECKPOINT_CORRUPT, "NucleusCheckpoint " + name + " names image "
          + status.getLocation() + " with digest " + status.getDigest() + "; this node keeps images under "
          + checkpointRoot + " and restores only a known digest");
    }
    var security = spec.getSecurity();
    boolean accept = security != null && security.getLandlock() != null
        && Boolean.TRUE.equals(security.getLandlock().getAllowNotRestored());
    return new SandboxEngine.RestoreSource(namespace + "/" + name, Path.of(status.getLocation()), status.getDigest(),
        accept);
  }

  private static EngineException notReady(String message) {
    return new EngineException(Reasons.CHECKPOINT_NOT_READY, message);
  }
}
