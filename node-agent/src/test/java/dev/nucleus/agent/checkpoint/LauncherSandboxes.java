package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import dev.nucleus.agent.cgroup.CgroupManager;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.runtime.LaunchException;
import dev.nucleus.agent.runtime.NodePolicies;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxRecord;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.agent.testing.TempDirs;

/**
 * Test helper: real sandboxes from the C launcher with the node's real policies (host rootfs, a /data volume,
 * cgroups, the Default seccomp profile, which CRIU restores; no Landlock, which it cannot restore).
 */
final class LauncherSandboxes implements AutoCloseable {

    final Path stateRoot;
    final SandboxRuntime runtime;
    static final String CGROUP_ROOT = "nucleus-criu-test";
    final CgroupManager cgroups = CgroupManager.system(CGROUP_ROOT);

    LauncherSandboxes() throws IOException {
        stateRoot = TempDirs.stateRoot("nucleus-criu-state-");
        runtime = SandboxRuntime.open(stateRoot, NodePolicies.system(CGROUP_ROOT));
    }

    /** A counter whose value lives only in the shell's memory; written to /data/count and printed to stdout. */
    SandboxRecord startCounter(String name, Path data, long memoryBytes) throws LaunchException {
        return start(name, data, memoryBytes, "true", "");
    }

    /** The same counter, but it exits with {@code exitCode} by itself once /data/stop exists. */
    SandboxRecord startCounter(String name, Path data, long memoryBytes, int exitCode) throws LaunchException {
        return start(name, data, memoryBytes, "[ ! -e /data/stop ]", "; exit " + exitCode);
    }

    /** A counter without pauses: once running, it rewrites /data/count within microseconds, again and again. */
    SandboxRecord startBusyCounter(String name, Path data, long memoryBytes) throws LaunchException {
        return launch(name, data, memoryBytes, "i=0; while true; do i=$((i+1)); echo $i > /data/count; done");
    }

    private SandboxRecord start(String name, Path data, long memoryBytes, String condition, String end)
            throws LaunchException {
        return launch(name, data, memoryBytes, "i=0; while " + condition + "; do i=$((i+1)); echo $i > /data/count.tmp; "
                + "mv -f /data/count.tmp /data/count; echo $i; sleep 0.05; done" + end);
    }

    private SandboxRecord launch(String name, Path data, long memoryBytes, String script) throws LaunchException {
        SandboxConfig d = SandboxConfig.defaults(name, List.of("/bin/sh", "-c", script));
        SandboxConfig c = new SandboxConfig(name, d.command(), d.env(), d.workingDir(), d.rootfs(),
                List.of(new Volume.HostPath(data, "/data", false)), new SandboxConfig.Resources(memoryBytes, 0, 64),
                0, 0, false, d.network(), SandboxConfig.Seccomp.DEFAULT, SandboxConfig.Landlock.DISABLED, Set.of(), 0);
        return runtime.launch(c);
    }

    /** A signing key of 32 bytes {@code fill}: a test's own, never a node's. */
    static CheckpointKey testKey(int fill) throws CheckpointException {
        byte[] key = new byte[32];
        java.util.Arrays.fill(key, (byte) fill);
        return CheckpointKey.of(key);
    }

    /** The checkpoint service of the test node: {@code criu}, signing with {@code key}, restoring into {@code cgroups}. */
    static CheckpointService testService(CriuRunner criu, CheckpointKey key, CgroupManager cgroups) {
        return new CheckpointService(criu, key, RestoreCgroups.of(cgroups), "test-node", "0.1.0-test");
    }

    @Override
    public void close() throws Exception {
        for (String n : runtime.stateDirectory().list()) {
            try {
                runtime.remove(n);
            } catch (IOException | RuntimeException e) {
                // best effort: the next test run uses fresh names
            }
        }
        TempDirs.deleteTree(stateRoot);
    }
}
