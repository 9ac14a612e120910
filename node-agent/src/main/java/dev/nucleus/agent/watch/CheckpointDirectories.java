package dev.nucleus.agent.watch;

import dev.nucleus.agent.state.DirectoryTrees;
import dev.nucleus.api.v1alpha1.Reasons;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Where checkpoint images live on this node: {@code <checkpoint root>/<namespace>/<name>-<uid>}, or under
 * {@code spec.storage.path} when that lies inside the root. The agent runs as root, so a path from an object is
 * never trusted to point anywhere else, and nothing on the way is followed through a symlink.
 */
final class CheckpointDirectories {
  private CheckpointDirectories() {}

  /** The image directory of a checkpoint object; refuses a storage path outside the agent's checkpoint root. */
  static Path location(Path root, SandboxKey checkpoint, String storagePath) throws EngineException {
    Path base = root.toAbsolutePath().normalize();
    if (storagePath != null) {
      Path requested = Path.of(storagePath).normalize();
      if (!requested.isAbsolute() || !requested.startsWith(base)) {
        throw new EngineException(Reasons.INVALID_SPEC, "spec.storage.path " + storagePath
            + " is outside this node's checkpoint directory " + base);
      }
      base = requested;
    }
    return base.resolve(checkpoint.namespace()).resolve(checkpoint.name() + "-" + checkpoint.uid());
  }

  /** True when {@code dir} is strictly below the checkpoint root (a status location is checked before use). */
  static boolean isInside(Path root, Path dir) {
    Path base = root.toAbsolutePath().normalize();
    Path d = dir.toAbsolutePath().normalize();
    return d.startsWith(base) && !d.equals(base) && d.equals(dir);
  }

  /** Creates the parents of an image directory (0700), refusing any symlink between the root and it. */
  static void prepareParent(Path root, Path dir) throws EngineException {
    Path parent = dir.getParent();
    try {
      Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      if (!parent.toRealPath().equals(parent) || !root.toRealPath().equals(root.toAbsolutePath().normalize())) {
        throw new EngineException(Reasons.CHECKPOINT_FAILED, "checkpoint directory " + parent
            + " is reached through a symlink; refusing it");
      }
    } catch (IOException e) {
      throw new EngineException(Reasons.CHECKPOINT_FAILED, "cannot create " + parent + ": " + e.getMessage());
    }
  }

  /** Deletes a directory tree without following symlinks (a link inside is removed, never its target). */
  static void deleteTree(Path dir) throws EngineException {
    try {
      // A symlink at dir itself is unlinked like one inside it; an entry another deleter removed first is gone.
      DirectoryTrees.delete(dir, DirectoryTrees.OnFailure.VANISHED_IS_DELETED);
    } catch (IOException e) {
      throw new EngineException(Reasons.CHECKPOINT_FAILED, "cannot delete checkpoint directory " + dir + ": "
          + e.getMessage());
    }
  }
}
