package dev.nucleus.agent.watch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nucleus.agent.checkpoint.CheckpointException;
import dev.nucleus.agent.checkpoint.CheckpointMetadata;
import dev.nucleus.agent.checkpoint.CheckpointTarget;
import dev.nucleus.agent.checkpoint.ExternalMount;
import dev.nucleus.agent.checkpoint.ResourceLimits;
import dev.nucleus.agent.runtime.RestoredLaunch;
import dev.nucleus.agent.runtime.SandboxRecord;
import dev.nucleus.agent.state.AtomicFiles;
import dev.nucleus.agent.state.SandboxPaths;
import dev.nucleus.api.v1alpha1.Reasons;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the agent reads from the state.json of a sandbox restored from a checkpoint (written by the runtime's restore
 * mode, {@code cgroupVersion: restored}): the reason its status carries while it runs, the API reason of a
 * refused or failed restore, and what a later checkpoint of it needs from the image it came from.
 */
final class RestoredRecords {
  /** Next to state.json: the restored image's volumes, limits and spec, for checkpointing the sandbox again. */
  static final String IMAGE_FILE = "restored-image.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private RestoredRecords() {}

  /** Remembers what a checkpoint of this restored sandbox must record again (its spec has only restoreFrom). */
  static void rememberImage(SandboxPaths paths, CheckpointMetadata m) throws IOException {
    ObjectNode node = JSON.createObjectNode();
    node.set("externalMounts", JSON.valueToTree(m.externalMounts()));
    node.set("limits", JSON.valueToTree(m.resourceLimits()));
    node.set("spec", m.spec());
    AtomicFiles.write(paths.dir().resolve(IMAGE_FILE), JSON.writeValueAsBytes(node));
  }

  /** The dump target of a restored sandbox: its init, the image's volumes, limits and spec, no Landlock any more. */
  static CheckpointTarget target(SandboxPaths paths, SandboxRecord r, String name) throws EngineException {
    try {
      JsonNode node = JSON.readTree(AtomicFiles.read(paths.dir().resolve(IMAGE_FILE)));
      List<ExternalMount> volumes = new ArrayList<>();
      for (JsonNode v : node.path("externalMounts")) {
        volumes.add(JSON.treeToValue(v, ExternalMount.class));
      }
      ResourceLimits limits = JSON.treeToValue(node.path("limits"), ResourceLimits.class);
      boolean rootless = r.isolation() != null && !"none".equals(r.isolation().get("userNamespace"));
      return new CheckpointTarget(r.name(), name, r.initPid(), r.command(), limits, volumes, node.get("spec"), false,
          false, rootless);
    } catch (IOException | IllegalArgumentException e) {
      throw new EngineException(Reasons.CHECKPOINT_FAILED, "sandbox " + name + " was restored, but what its image"
          + " recorded cannot be read (" + e.getMessage() + "); it cannot be checkpointed again");
    }
  }

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
