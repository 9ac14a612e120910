package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.agent.landlock.LandlockAccess;
import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.InvalidMountException;
import dev.nucleus.agent.rootfs.MountPlanner;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.state.SandboxPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LaunchPlannerTest {

    static final SandboxPaths PATHS = new SandboxPaths(Path.of("/state/sandboxes/box"));
    static final LaunchPlanner PLANNER = new LaunchPlanner(FakeKernel.debianHost(), Path.of("/state"), Path.of("/state/bin/nucleus-launcher"));

    static SandboxConfig config(boolean userns, NetworkMode net, Map<String, String> env, Set<String> caps, long pids) {
        return new SandboxConfig("box", List.of("app", "--flag"), env, "/", new RootfsSource.Host(), List.of(),
                new SandboxConfig.Resources(0, 0, pids), 1000, 1000, userns, net, SandboxConfig.Seccomp.DEFAULT,
                SandboxConfig.Landlock.DEFAULT, caps, 30);
    }

    @Test
    void namespacesFollowNetworkAndUserNamespace() throws Exception {
        assertThat(PLANNER.plan(config(false, NetworkMode.NONE, Map.of(), Set.of(), 0), PATHS, LaunchPlanner.Policies.NONE).namespaces())
                .containsExactly("mnt", "pid", "uts", "ipc", "cgroup", "net");
        var allocated = new LaunchPlanner.Policies(List.of(), new byte[0], Optional.empty(), 3 << 20);
        LaunchPlan host = PLANNER.plan(config(true, NetworkMode.HOST, Map.of(), Set.of(), 0), PATHS, allocated);
        assertThat(host.namespaces()).containsExactly("mnt", "pid", "uts", "ipc", "cgroup", "user");
        assertThat(host.loopbackUp()).isFalse();
        assertThat(host.uidMap()).contains("0 " + (3 << 20) + " 65536\n");
        assertThat(host.gidMap()).isEqualTo(host.uidMap());
    }

    @Test
    void aTimeNamespaceIsAddedOnlyWhenAsked() throws Exception {
        SandboxConfig c = config(false, NetworkMode.NONE, Map.of(), Set.of(), 0);
        assertThat(PLANNER.plan(c.withTimeNamespace(true), PATHS, LaunchPlanner.Policies.NONE).namespaces())
                .containsExactly("mnt", "pid", "uts", "ipc", "cgroup", "net", "time");
        assertThat(PLANNER.plan(c, PATHS, LaunchPlanner.Policies.NONE).namespaces()).doesNotContain("time");
        assertThat(PlanEncoder.encode(PLANNER.plan(c.withTimeNamespace(true), PATHS, LaunchPlanner.Policies.NONE)))
                .asString(StandardCharsets.ISO_8859_1).contains("ns 10\n0x6e020080\n");
        assertThat(c.withTimeNamespace(true).withCommand(List.of("x")).withLogLimit(1).timeNamespace()).isTrue();
    }

    @Test
    void aUserNamespaceWithoutAnAllocatedRangeIsRefused() {
        assertThatThrownBy(() -> PLANNER.plan(config(true, NetworkMode.NONE, Map.of(), Set.of(), 0), PATHS, LaunchPlanner.Policies.NONE))
                .hasMessageContaining("without an allocated host id range");
    }

    @Test
    void environmentIsBuiltNotInheritedAndLoaderVariablesAreDropped() throws Exception {
        LaunchPlan p = PLANNER.plan(config(false, NetworkMode.NONE,
                Map.of("LD_PRELOAD", "/evil.so", "LD_LIBRARY_PATH", "/x", "GCONV_PATH", "/g", "APP", "1"), Set.of(), 0),
                PATHS, LaunchPlanner.Policies.NONE);
        assertThat(p.env()).containsExactly("PATH=" + EnvFilter.DEFAULT_PATH, "HOME=/", "HOSTNAME=box", "APP=1");
        assertThat(p.argv()).containsExactly("app", "--flag");
    }

    @Test
    void capabilitiesRlimitsAndFilesComeFromTheConfig() throws Exception {
        LaunchPlan p = PLANNER.plan(config(false, NetworkMode.NONE, Map.of(), Set.of("NET_BIND_SERVICE", "CAP_CHOWN"), 64),
                PATHS, new LaunchPlanner.Policies(List.of(Path.of("/cg/memory/box/cgroup.procs")), new byte[16], Optional.empty()));
        assertThat(p.capabilities()).isEqualTo((1L << 10) | 1L);
        assertThat(p.rlimits()).contains(new LaunchPlan.Rlimit(LaunchPlan.Rlimit.NPROC, 64, 64),
                new LaunchPlan.Rlimit(LaunchPlan.Rlimit.CORE, 0, 0));
        assertThat(p.cgroupProcsFiles()).containsExactly("/cg/memory/box/cgroup.procs");
        assertThat(p.statusFile()).isEqualTo("/state/sandboxes/box/exit-status");
        assertThat(p.root()).isEqualTo("/state/sandboxes/box/root");
        assertThat(p.seccompBpf()).hasSize(16);
        assertThat(p.deadlineSeconds()).isEqualTo(30);
    }

    @Test
    void landlockLetsTheInitExecuteOnlyItsOwnBinaryAndOnlyWithHandledRights() throws Exception {
        long handled = LandlockAccess.FS_EXECUTE | LandlockAccess.FS_READ_FILE | LandlockAccess.FS_WRITE_FILE;
        var rules = new LaunchPlan.LandlockRules(7, handled, 0, 0, List.of(new LaunchPlan.LandlockRules.PathRule("/tmp", handled)), List.of());
        LaunchPlan p = PLANNER.plan(config(false, NetworkMode.NONE, Map.of(), Set.of(), 0), PATHS,
                new LaunchPlanner.Policies(List.of(), new byte[0], Optional.of(rules)));
        assertThat(p.landlock().orElseThrow().paths()).containsExactly(rules.paths().get(0),
                new LaunchPlan.LandlockRules.PathRule(MountPlanner.INIT_PATH, LandlockAccess.FS_EXECUTE | LandlockAccess.FS_READ_FILE));
        var writeOnly = new LaunchPlan.LandlockRules(7, LandlockAccess.FS_WRITE_FILE, 0, 0, List.of(), List.of());
        assertThat(LaunchPlanner.withInitExecutable(writeOnly)).isEqualTo(writeOnly);
    }

    @Test
    void badInputNamesTheField() {
        assertThatThrownBy(() -> PLANNER.plan(config(false, NetworkMode.NONE, Map.of(), Set.of(), 0).withCommand(List.of()),
                PATHS, LaunchPlanner.Policies.NONE)).isInstanceOf(InvalidMountException.class).hasMessageStartingWith("command:");
        assertThatThrownBy(() -> Capabilities.number("FLY")).hasMessageContaining("unknown capability 'FLY'");
    }
}
