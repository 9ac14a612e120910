package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A warm-pool member's pid 1 locks itself down before any claim (docs/security-model.md, "Warm pool"): the workload of
 * a claimed sandbox tries to signal and inspect it and reads what it kept (runs as root).
 */
class PooledInitNativeTest {

    static NativeSandboxes boxes;

    @BeforeAll
    static void start() throws Exception {
        boxes = new NativeSandboxes(NodePolicies.system("nucleus-test"), 1);
    }

    @AfterAll
    static void stop() throws Exception {
        boxes.close();
    }

    static SandboxConfig workload(String prefix, long uid, String script) {
        return new SandboxConfig(boxes.name(prefix), List.of("/bin/sh", "-c", script), Map.of(), "/", new RootfsSource.Host(),
                List.of(), SandboxConfig.Resources.UNLIMITED, uid, uid, false, NetworkMode.NONE, SandboxConfig.Seccomp.DEFAULT,
                SandboxConfig.Landlock.DISABLED, Set.of(), 0);  // Landlock off: what stops the probe is pid 1's own wall
    }

    /** What the workload may do to itself (the probe can succeed), then to pid 1. */
    private static final String PROBE = "cat /proc/self/environ > /dev/null && readlink /proc/self/fd/0 > /dev/null && echo self-ok;"
            + " grep -E '^(Uid|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/1/status;"
            + " cat /proc/1/environ > /dev/null && echo pid1-environ-read;"
            + " head -c 1 /proc/1/mem > /dev/null && echo pid1-memory-read; readlink /proc/1/fd/4 && echo pid1-fd-read;"
            + " cat /proc/1/stack > /dev/null && echo pid1-stack-read; echo probed";

    @Test
    void pid1KeepsOnlyCapKillUnderNoNewPrivsAndItsOwnFilter() throws Exception {
        var run = boxes.run(workload("init", 1000, PROBE));
        assertThat(run.stdout()).contains("self-ok", "probed", "Uid:\t0\t0\t0\t0", "CapInh:\t0000000000000020",
                "CapPrm:\t0000000000000020", "CapEff:\t0000000000000020", "CapBnd:\t0000000000000020",
                "CapAmb:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2");
    }

    @Test
    void anUnprivilegedWorkloadCannotSignalOrInspectPid1() throws Exception {
        var run = boxes.run(workload("init-uid", 1000, "kill -0 $$ && echo self-signalled; kill -TERM 1 && echo pid1-signalled; " + PROBE));
        assertThat(run.exit().exitCode()).isZero();
        assertThat(run.stdout()).contains("self-signalled", "self-ok", "probed")
                .doesNotContain("pid1-signalled", "pid1-environ-read", "pid1-memory-read", "pid1-fd-read", "pid1-stack-read");
        assertThat(run.stderr()).contains("kill: Operation not permitted", "/proc/1/environ: Permission denied",
                "/proc/1/mem' for reading: Permission denied");
    }

    @Test
    void aRootWorkloadWithoutCapabilitiesCannotInspectPid1() throws Exception {
        // same uid as pid 1, but pid 1 holds CAP_KILL and the workload nothing: ptrace access needs a superset
        var run = boxes.run(workload("init-root", 0, PROBE));
        assertThat(run.stdout()).contains("self-ok", "probed", "CapEff:\t0000000000000020")
                .doesNotContain("pid1-environ-read", "pid1-memory-read", "pid1-fd-read", "pid1-stack-read");
        assertThat(run.stderr()).contains("/proc/1/environ: Permission denied", "/proc/1/mem' for reading: Permission denied");
    }

    @Test
    void theMemberMonitorsShortSliceIsNeitherInheritedNorKept() throws Exception {
        SandboxInitNativeTest.assertNoSandboxProcessKeepsAShortSlice(boxes, workload("init-slice", 1000, ""));
    }

    @Test
    void pid1StillForwardsSigtermToAWorkloadOfAnotherUid() throws Exception {
        SandboxConfig c = workload("init-term", 1000, "trap 'echo bye; exit 7' TERM; echo up; while :; do sleep 0.1; done");
        boxes.launch(c);
        var paths = boxes.runtime.stateDirectory().open(c.name());
        for (int i = 0; i < 200 && !java.nio.file.Files.readString(paths.stdoutLog()).contains("up"); i++) {
            Thread.sleep(25);
        }
        ExitStatus s = boxes.runtime.stop(c.name(), Duration.ofSeconds(10)).orElseThrow();
        assertThat(s.exitCode()).isEqualTo(7);
        assertThat(java.nio.file.Files.readString(paths.stdoutLog())).contains("up", "bye");
    }
}
