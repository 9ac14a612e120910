package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.nucleus.agent.cgroup.CgroupManager;
import dev.nucleus.agent.cgroup.SandboxCgroup;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.runtime.LaunchException;
import dev.nucleus.agent.runtime.LaunchPlan;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxPolicies;
import dev.nucleus.agent.runtime.SandboxRecord;
import dev.nucleus.agent.runtime.SandboxRuntime;

/**
 * Test helper: real sandboxes from the C launcher (host rootfs, a /data volume, cgroups from the node's cgroup
 * manager, seccomp unconfined and no Landlock since CRIU keeps the former and loses the latter anyway).
 */
final class LauncherSandboxes implements AutoCloseable {

    final Path stateRoot;
    final SandboxRuntime runtime;
    final CgroupManager cgroups = CgroupManager.system("nucleus-criu-test");

    LauncherSandboxes() throws IOException {
        stateRoot = Files.createTempDirectory("nucleus-criu-state-");
        Files.setPosixFilePermissions(stateRoot, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        runtime = SandboxRuntime.open(stateRoot, policies());
    }

    /** A counter whose value lives only in the shell's memory; written to /data/count and printed to stdout. */
    SandboxRecord startCounter(String name, Path data, long memoryBytes) throws LaunchException {
        String script = "i=0; while true; do i=$((i+1)); echo $i > /data/count; echo $i; sleep 0.05; done";
        SandboxConfig d = SandboxConfig.defaults(name, List.of("/bin/sh", "-c", script));
        SandboxConfig c = new SandboxConfig(name, d.command(), d.env(), d.workingDir(), d.rootfs(),
                List.of(new Volume.HostPath(data, "/data", false)), new SandboxConfig.Resources(memoryBytes, 0, 64),
                0, 0, false, d.network(), SandboxConfig.Seccomp.UNCONFINED, SandboxConfig.Landlock.DISABLED, Set.of(), 0);
        return runtime.launch(c);
    }

    private SandboxPolicies policies() {
        CgroupManager m = cgroups;
        return new SandboxPolicies() {
            @Override
            public Optional<CgroupHandle> createCgroup(String id, SandboxConfig.Resources r) {
                return Optional.of(handle(m.create(id, new dev.nucleus.agent.cgroup.ResourceLimits(r.memoryBytes(),
                        r.cpuMillis(), r.pids(), null))));
            }

            @Override
            public Optional<CgroupHandle> findCgroup(String id) {
                return Optional.of(handle(m.open(id)));
            }

            @Override
            public Compiled seccomp(SandboxConfig c) {
                return new Compiled(new byte[0], "Unconfined", 0);
            }

            @Override
            public Optional<LaunchPlan.LandlockRules> landlock(SandboxConfig c) {
                return Optional.empty();
            }
        };
    }

    private static SandboxPolicies.CgroupHandle handle(SandboxCgroup cg) {
        return new SandboxPolicies.CgroupHandle() {
            @Override
            public List<Path> procsFiles() {
                return cg.procsFiles();
            }

            @Override
            public boolean oomKilled() {
                return cg.oomKilled();
            }

            @Override
            public void kill() {
                cg.kill();
            }

            @Override
            public void remove() {
                cg.remove();
            }

            @Override
            public String version() {
                return cg.version();
            }
        };
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
        CriuRunner.deleteTree(stateRoot);
    }
}
