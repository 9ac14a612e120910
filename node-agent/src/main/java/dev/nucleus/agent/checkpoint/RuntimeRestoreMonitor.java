package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;
import dev.nucleus.agent.runtime.LaunchException;
import dev.nucleus.agent.runtime.RestoredLaunch;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.agent.state.SandboxPaths;
import dev.nucleus.agent.state.StateDirectory;

/**
 * The {@link RestoreMonitor} of a sandbox runtime: the launcher's restore mode runs criu for the runtime's existing
 * state directory {@code name} and stays the restored sandbox's monitor, so the runtime tracks it like any sandbox.
 */
public final class RuntimeRestoreMonitor implements RestoreMonitor {

    private final SandboxRuntime runtime;
    private final String name;
    private final Path checkpointDir;

    public RuntimeRestoreMonitor(SandboxRuntime runtime, String name, Path checkpointDir) {
        this.runtime = runtime;
        this.name = name;
        this.checkpointDir = checkpointDir;
    }

    /**
     * Restores {@code checkpointDir} as the new sandbox {@code name} of {@code runtime}: creates its state directory,
     * restores under the launcher's restore monitor (state.json, logs, exit status as for a launched sandbox; volumes
     * keep their recorded host paths unless remapped by key) and deletes the state directory again on any failure.
     */
    public static CheckpointService.Restored restoreInto(CheckpointService service, SandboxRuntime runtime, String name,
            Path checkpointDir, Map<String, String> volumeHostPaths, boolean acceptLandlockLoss) throws CheckpointException {
        SandboxPaths paths;
        try {
            StateDirectory.checkId(name);
            if (runtime.stateDirectory().exists(name)) {
                throw new CheckpointException(Reason.InvalidRequest, "sandbox " + name + " already exists; choose "
                        + "another name or remove it first");
            }
            paths = runtime.stateDirectory().create(name);
        } catch (IOException | IllegalArgumentException e) {
            throw new CheckpointException(Reason.InvalidRequest, "cannot create sandbox " + name + ": " + e.getMessage(), e);
        }
        boolean done = false;
        try {
            CheckpointService.Restored r = service.restore(new CheckpointService.RestoreRequest(checkpointDir, name,
                    paths.rootMount(), paths.dir().resolve("criu"), volumeHostPaths, acceptLandlockLoss),
                    new RuntimeRestoreMonitor(runtime, name, checkpointDir));
            done = true;
            return r;
        } finally {
            if (!done) {
                runtime.removeFailed(name);  // quietly: the restore's own error is what the caller needs
            }
        }
    }

    @Override
    public long start(Command c) throws CheckpointException {
        try {
            return runtime.startRestored(name, new RestoredLaunch(c.criuArgv(), c.criuEnv(), c.cgroupProcsFiles(),
                    c.pidFile(), Math.max(1, c.timeout().toSeconds()), c.metadata().command(), isolation(c)))
                    .initPid();
        } catch (LaunchException e) {
            Reason reason = "RestoreTimedOut".equals(e.reason()) ? Reason.CriuTimedOut : Reason.CriuFailed;
            throw new CheckpointException(reason, "restore of " + name + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether CRIU dumped a time namespace of the sandbox's own: its image is {@code timens-<ns id>.img}, while a tree in
     * the node's time namespace leaves only {@code timens-0.img}. criu restore then creates one (docs/checkpoint.md).
     */
    static boolean timeNamespaceDumped(Path images) {
        try (var files = java.nio.file.Files.list(images)) {
            return files.map(f -> f.getFileName().toString())
                    .anyMatch(f -> f.matches("timens-[0-9]+\\.img") && !f.equals("timens-0.img"));
        } catch (IOException e) {
            return false;  // an image directory that cannot be listed fails the restore itself
        }
    }

    /** What state.json says about a restored sandbox; limits in the shape a launched sandbox records them. */
    private Map<String, Object> isolation(Command c) {
        CheckpointMetadata m = c.metadata();
        Map<String, Object> iso = new LinkedHashMap<>();
        iso.put("restoredFrom", checkpointDir.toString());
        iso.put("digest", c.digest());
        iso.put("monitor", "the launcher in restore mode: it ran criu and records the restored init's exit");
        iso.put("landlock", m.landlock() ? "lost on restore" : "disabled");
        iso.put("isolationReason", m.landlock() ? "LandlockNotRestored" : "IsolationEnforced");
        iso.put("userNamespace", m.rootless() ? "restored" : "none");
        iso.put("timeNamespace", timeNamespaceDumped(checkpointDir.resolve(CheckpointService.IMAGES))
                ? "restored: offsets set by CRIU, clocks go on from the dump" : "none");
        ResourceLimits limits = m.resourceLimits();
        Map<String, Object> res = new LinkedHashMap<>();
        res.put("memoryBytes", limits.memoryBytes() == null ? 0 : limits.memoryBytes());
        res.put("cpuMillis", limits.cpuMillis());
        res.put("pids", limits.pidsMax() == null ? 0 : limits.pidsMax());
        iso.put("resources", res);
        return iso;
    }
}
