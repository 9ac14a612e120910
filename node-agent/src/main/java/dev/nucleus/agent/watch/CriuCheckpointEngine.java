package dev.nucleus.agent.watch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nucleus.agent.checkpoint.CheckpointException;
import dev.nucleus.agent.checkpoint.CheckpointKey;
import dev.nucleus.agent.checkpoint.CheckpointManifest;
import dev.nucleus.agent.checkpoint.CheckpointService;
import dev.nucleus.agent.checkpoint.CheckpointTarget;
import dev.nucleus.agent.checkpoint.ResourceLimits;
import dev.nucleus.agent.landlock.LandlockAccess;
import dev.nucleus.agent.runtime.RestoredLaunch;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxInfo;
import dev.nucleus.agent.runtime.SandboxRecord;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.api.v1alpha1.CheckpointMetadata;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.RecordedResources;
import dev.nucleus.api.v1alpha1.Reasons;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * The production {@link CheckpointEngine}: {@link CheckpointService} on the runtime's sandboxes. Refuses what CRIU
 * cannot dump before touching anything (a sandbox that is not running, a Landlock domain scoping abstract unix
 * sockets), and names every failure with a reason of the API plus CRIU's log lines.
 */
public final class CriuCheckpointEngine implements CheckpointEngine {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SandboxRuntime runtime;
  private final CheckpointService service;
  private final CheckpointKey key;

  public CriuCheckpointEngine(SandboxRuntime runtime, CheckpointService service, CheckpointKey key) {
    this.runtime = runtime;
    this.service = service;
    this.key = key;
  }

  @Override
  public Image checkpoint(String sandboxUid, String sandboxName, NucleusSandboxSpec spec, Path dir,
      boolean leaveRunning, boolean replaceLeftover) throws EngineException {
    CheckpointTarget target = target(RuntimeEngine.sandboxId(sandboxUid), sandboxName, spec);
    if (replaceLeftover) {
      CheckpointDirectories.deleteTree(dir);
    }
    try {
      return image(service.checkpoint(target, dir, leaveRunning));
    } catch (CheckpointException e) {
      throw failure(e);
    }
  }

  @Override
  public Optional<Image> verify(Path dir) {
    try {
      String digest = CheckpointManifest.verify(dir, key);
      var metadata = dev.nucleus.agent.checkpoint.CheckpointMetadata.load(dir);
      return Optional.of(new Image(dir.toString(), digest, CheckpointManifest.sizeBytes(dir), 0, null,
          apiMetadata(metadata)));
    } catch (CheckpointException e) {
      return Optional.empty();
    }
  }

  @Override
  public void delete(Path dir) throws EngineException {
    CheckpointDirectories.deleteTree(dir);
  }

  private CheckpointTarget target(String id, String name, NucleusSandboxSpec spec) throws EngineException {
    SandboxInfo info;
    try {
      if (!runtime.stateDirectory().exists(id)) {
        throw new EngineException(Reasons.SANDBOX_NOT_RUNNING, "sandbox " + name + " has no trace on this node");
      }
      info = runtime.inspect(id);
    } catch (IOException e) {
      throw new EngineException(Reasons.CHECKPOINT_FAILED, "state of sandbox " + name + " unreadable: " + e.getMessage());
    }
    if (info.state() != SandboxInfo.State.Running) {
      throw new EngineException(Reasons.SANDBOX_NOT_RUNNING, "sandbox " + name + " is " + info.state() + ", not running");
    }
    SandboxRecord r = info.record();
    refuseScopedLandlock(name, r.isolation());
    if (RestoredLaunch.CGROUP_VERSION.equals(r.cgroupVersion())) {
      try {
        return RestoredRecords.target(runtime.stateDirectory().open(id), r, name);
      } catch (IOException e) {
        throw new EngineException(Reasons.CHECKPOINT_FAILED, "state of sandbox " + name + " unreadable: "
            + e.getMessage());
      }
    }
    SandboxConfig config = SpecTranslator.translate(id, spec);
    CheckpointTarget t = CheckpointTarget.of(r, config, JSON.valueToTree(spec), false);
    return new CheckpointTarget(t.sandboxId(), name, t.initPid(), t.command(), t.limits(), t.volumes(), t.spec(),
        t.landlock(), t.usingGvisor(), t.rootless());
  }

  /** CRIU's parasite reaches criu over an abstract unix socket, which a Landlock domain of ABI 6+ can scope away. */
  private static void refuseScopedLandlock(String name, Map<String, Object> isolation) throws EngineException {
    if (isolation != null && isolation.get("landlock") instanceof Map<?, ?> landlock
        && landlock.get("scoped") instanceof Number scoped
        && (scoped.longValue() & LandlockAccess.SCOPE_ABSTRACT_UNIX_SOCKET) != 0) {
      throw new EngineException(Reasons.LANDLOCK_BLOCKS_DUMP, "sandbox " + name + " runs in a Landlock domain that"
          + " scopes abstract unix sockets, which CRIU's parasite needs to reach criu; it keeps running untouched");
    }
  }

  private static Image image(CheckpointService.Checkpoint c) {
    Long frozen = c.frozenMicros().isPresent() ? c.frozenMicros().getAsLong() / 1000 : null;
    return new Image(c.location().toString(), c.digest(), c.sizeBytes(), c.durationMillis(), frozen,
        apiMetadata(c.metadata()));
  }

  /** The API's view of metadata.json: the original's fields and the recorded limits. */
  static CheckpointMetadata apiMetadata(dev.nucleus.agent.checkpoint.CheckpointMetadata m) {
    ResourceLimits l = m.resourceLimits();
    RecordedResources resources = new RecordedResources()
        .setMemory(l.memoryBytes() == null ? null : String.valueOf(l.memoryBytes()))
        .setCpu(l.cpuQuotaUs() == null ? null : l.cpuMillis() + "m")
        .setPids(l.pidsMax()).setIoWeight(l.ioWeight());
    return new CheckpointMetadata().setContainerId(m.containerId()).setContainerName(m.containerName())
        .setOriginalPid(m.originalPid()).setCommand(m.command())
        .setCheckpointAt(Instant.ofEpochSecond(m.checkpointAt()).toString()).setVersion(m.version())
        .setUsingGvisor(m.usingGvisor()).setRootless(m.rootless()).setResources(resources);
  }

  /** The API reason plus CRIU's relevant log lines, which the status message carries. */
  static EngineException failure(CheckpointException e) {
    String reason = switch (e.reason()) {
      case LandlockBlocksDump -> Reasons.LANDLOCK_BLOCKS_DUMP;
      default -> e.apiReason(false);
    };
    StringBuilder message = new StringBuilder(e.getMessage());
    for (String line : e.criuLog()) {
      message.append("\ncriu: ").append(line);
    }
    return new EngineException(reason, message.toString(), e);
  }
}
