package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A warm pool's life on the real kernel: what a claimed sandbox reports, and that nothing of a member is ever left. */
class WarmPoolNativeTest {

    /** Unique per run: tests of other engineers run at the same time on this machine. */
    static final String CGROUP_ROOT = "nucleus-pool-test-" + ProcessHandle.current().pid();
    NativeSandboxes boxes;

    @BeforeEach
    void start() throws Exception {
        boxes = new NativeSandboxes(NodePolicies.system(CGROUP_ROOT), 1);
    }

    /** Whatever the test did, closing its runtime leaves no member's cgroup below its root. */
    @AfterEach
    void stop() throws Exception {
        boxes.close();
        assertThat(cgroupDirsStartingWith("pool.")).as("member cgroups left after the test").isEmpty();
    }

    SandboxConfig sleeper(String prefix) {
        return new SandboxConfig(boxes.name(prefix), List.of("/bin/sh", "-c", "echo up; exec sleep 600"), java.util.Map.of(),
                "/", new dev.nucleus.agent.rootfs.RootfsSource.Host(), List.of(), new SandboxConfig.Resources(64L << 20, 500, 32),
                1000, 1000, false, dev.nucleus.agent.network.NetworkMode.NONE, SandboxConfig.Seccomp.DEFAULT,
                SandboxConfig.Landlock.DEFAULT, Set.of(), 0);
    }

    /** Cgroup directories named {@code name} below this test's root, in every hierarchy the manager uses. */
    static List<Path> cgroupDirs(String name) throws Exception {
        return cgroupDirsStartingWith(name).stream().filter(p -> p.getFileName().toString().equals(name)).toList();
    }

    /**
     * Cgroup directories below this test's root whose name starts with {@code prefix}. Only the root's own children
     * are listed: other engineers' sandboxes come and go elsewhere in the tree while this runs.
     */
    static List<Path> cgroupDirsStartingWith(String prefix) throws Exception {
        List<Path> found = new ArrayList<>();
        for (Path would : dev.nucleus.agent.cgroup.CgroupManager.system(CGROUP_ROOT).open("probe").directories()) {
            Path root = would.getParent();
            if (Files.isDirectory(root)) {
                try (Stream<Path> s = Files.list(root)) {
                    s.filter(p -> Files.isDirectory(p) && p.getFileName().toString().startsWith(prefix)).forEach(found::add);
                }
            }
        }
        return found;
    }

    @Test
    void aClaimedSandboxReportsTheColdIsolationAndRemovingItLeavesNothing() throws Exception {
        SandboxConfig c = sleeper("claimed");
        SandboxRecord pooled = boxes.launch(c);
        assertThat(pooled.poolMember()).isNotNull();
        assertThat(pooled.cgroup()).isEqualTo("pool." + pooled.poolMember());
        assertThat(boxes.runtime.inspect(c.name()).record().poolMember()).isEqualTo(pooled.poolMember());
        List<Path> dirs = cgroupDirs(pooled.cgroup());
        assertThat(dirs).isNotEmpty();
        Path memory = dirs.stream().filter(d -> Files.exists(d.resolve("memory.limit_in_bytes"))).findFirst().orElseThrow();
        assertThat(Files.readString(memory.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(64L << 20));
        // the claimed member's directory goes in the background once the record names its cgroups
        for (int i = 0; i < 500 && boxes.runtime.stateDirectory().listMembers().contains(pooled.poolMember()); i++) {
            Thread.sleep(10);
        }
        assertThat(boxes.runtime.stateDirectory().listMembers()).doesNotContain(pooled.poolMember());

        // the same spec launched cold: the same walls, described the same
        try (NativeSandboxes cold = new NativeSandboxes(NodePolicies.system(CGROUP_ROOT))) {
            SandboxConfig same = new SandboxConfig(cold.name("cold"), c.command(), c.env(), c.workingDir(), c.rootfs(),
                    c.volumes(), c.resources(), c.uid(), c.gid(), c.userNamespace(), c.network(), c.seccomp(), c.landlock(),
                    c.capabilitiesAdd(), c.timeoutSeconds());
            SandboxRecord r = cold.launch(same);
            assertThat(r.poolMember()).isNull();
            assertThat(pooled.isolation()).isEqualTo(r.isolation());
        }

        boxes.runtime.remove(c.name());
        assertThat(cgroupDirs(pooled.cgroup())).isEmpty();
        assertThat(ProcessHandle.of(pooled.monitorPid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ProcessHandle.of(pooled.initPid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(pooled.poolMember());
    }

    @Test
    void closingTheRuntimeRemovesEveryIdleMember() throws Exception {
        assertThat(boxes.runtime.awaitWarmPool(Duration.ofSeconds(60))).isTrue();
        List<String> members = boxes.runtime.stateDirectory().listMembers();
        assertThat(members).hasSize(1);
        Set<Long> pids = cgroupPids("pool." + members.get(0));
        assertThat(pids).hasSize(2);  // the member's init and the claimant it forked, waiting
        boxes.runtime.enableWarmPool(0, PoolShape.NETWORK_NONE);
        assertThat(boxes.runtime.stateDirectory().listMembers()).isEmpty();
        assertThat(cgroupDirs("pool." + members.get(0))).isEmpty();
        awaitGone(pids);
    }

    @Test
    void stoppingThePoolWhileAMemberIsMadeLeavesNothing() throws Exception {
        for (int round = 0; round < 5; round++) {
            boxes.runtime.enableWarmPool(2, PoolShape.NETWORK_NONE);  // the first member is being made right now
            boxes.runtime.enableWarmPool(0, PoolShape.NETWORK_NONE);
            assertThat(boxes.runtime.stateDirectory().listMembers()).isEmpty();
            assertThat(cgroupDirsStartingWith("pool.")).as("round " + round).isEmpty();
        }
    }

    @Test
    void aRuntimeThatDiedLeavesMembersTheNextPoolRemoves() throws Exception {
        boxes.runtime.enableWarmPool(0, PoolShape.NETWORK_NONE);
        Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), PoolOwner.class.getName(), boxes.stateRoot.toString(), CGROUP_ROOT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (var out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(out.readLine()).isEqualTo("full");
        }
        List<String> orphans = boxes.runtime.stateDirectory().listMembers();
        assertThat(orphans).hasSize(2);
        Set<Long> pids = new java.util.HashSet<>();
        for (String m : orphans) {
            pids.addAll(cgroupPids("pool." + m));
        }
        agent.destroyForcibly().waitFor();  // SIGKILL: no shutdown hook, no cleanup
        // each member's monitor sees its owner's stream end and kills its init
        assertThat(pids).isNotEmpty();
        awaitGone(pids);
        boxes.runtime.enableWarmPool(1, PoolShape.NETWORK_NONE);  // reaps first
        assertThat(boxes.runtime.stateDirectory().listMembers()).doesNotContainAnyElementsOf(orphans);
        for (String m : orphans) {
            assertThat(cgroupDirs("pool." + m)).isEmpty();
        }
    }

    @Test
    void aDeadMemberFallsBackToAColdLaunchAndAFailedClaimSaysWhy() throws Exception {
        assertThat(boxes.runtime.awaitWarmPool(Duration.ofSeconds(60))).isTrue();
        String member = boxes.runtime.stateDirectory().listMembers().get(0);
        Set<Long> gone = new java.util.HashSet<>();
        for (long pid : cgroupPids("pool." + member)) {
            ProcessHandle.of(pid).ifPresent(h -> {
                h.parent().ifPresent(monitor -> gone.add(monitor.pid()));  // the member's monitor exits with it
                h.destroyForcibly();
            });
            gone.add(pid);
        }
        awaitGone(gone);
        SandboxConfig c = sleeper("fallback");
        SandboxRecord r = boxes.runtime.launch(c);  // the only member is dead: discarded, launched cold
        assertThat(r.poolMember()).isNull();
        boxes.runtime.remove(c.name());

        // the claim reaches the member and its init fails: the launch fails with the launcher's step, nothing is left
        SandboxConfig bad = sleeper("badcwd");
        bad = new SandboxConfig(bad.name(), bad.command(), bad.env(), "/nonexistent", bad.rootfs(), bad.volumes(),
                bad.resources(), bad.uid(), bad.gid(), false, bad.network(), bad.seccomp(), bad.landlock(), Set.of(), 0);
        assertThat(boxes.runtime.awaitWarmPool(Duration.ofSeconds(60))).isTrue();
        String claimed = boxes.runtime.stateDirectory().listMembers().get(0);
        SandboxConfig failing = bad;
        assertThatThrownBy(() -> boxes.runtime.launch(failing)).isInstanceOf(LaunchException.class)
                .hasMessageContaining("cwd").hasMessageContaining("/nonexistent");
        assertThat(boxes.runtime.stateDirectory().exists(bad.name())).isFalse();
        assertThat(cgroupDirs("pool." + claimed)).isEmpty();
        for (int i = 0; i < 500 && boxes.runtime.stateDirectory().listMembers().contains(claimed); i++) {
            Thread.sleep(10);
        }
        assertThat(boxes.runtime.stateDirectory().listMembers()).doesNotContain(claimed);
    }

    /** Killed processes are reaped by whoever they were re-parented to: give that a moment, then none may be left. */
    static void awaitGone(Set<Long> pids) throws InterruptedException {
        for (int i = 0; i < 500 && pids.stream().anyMatch(p -> ProcessHandle.of(p).isPresent()); i++) {
            Thread.sleep(10);
        }
        assertThat(pids).noneMatch(p -> ProcessHandle.of(p).map(ProcessHandle::isAlive).orElse(false));
    }

    static Set<Long> cgroupPids(String name) throws Exception {
        Set<Long> pids = new java.util.HashSet<>();
        for (Path d : cgroupDirs(name)) {
            for (String l : Files.readAllLines(d.resolve("cgroup.procs"))) {
                if (!l.isBlank()) {
                    pids.add(Long.parseLong(l.trim()));
                }
            }
        }
        return pids;
    }
}
