package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** seccomp, Landlock and cgroup walls with the node's real policy engines, each crossed on purpose (runs as root). */
class PolicyWallsNativeTest {

    static NativeSandboxes boxes;

    @BeforeAll
    static void start() throws IOException {
        boxes = new NativeSandboxes(NodePolicies.system("nucleus-test"));
    }

    @AfterAll
    static void stop() throws Exception {
        boxes.close();
    }

    static SandboxConfig config(String prefix, String script, SandboxConfig.Resources res, SandboxConfig.Seccomp seccomp,
                                SandboxConfig.Landlock landlock, RootfsSource rootfs) {
        return config(prefix, script, res, seccomp, landlock, rootfs, 1000);
    }

    static SandboxConfig config(String prefix, String script, SandboxConfig.Resources res, SandboxConfig.Seccomp seccomp,
                                SandboxConfig.Landlock landlock, RootfsSource rootfs, long uid) {
        return new SandboxConfig(boxes.name(prefix), List.of("/bin/sh", "-c", script), Map.of(), "/", rootfs, List.of(), res,
                uid, uid, false, NetworkMode.NONE, seccomp, landlock, Set.of(), 0);
    }

    static SandboxConfig defaults(String prefix, String script) {
        return config(prefix, script, SandboxConfig.Resources.UNLIMITED, SandboxConfig.Seccomp.DEFAULT,
                SandboxConfig.Landlock.DEFAULT, new RootfsSource.Host());
    }

    /** Each line: name, then perl's errno after the raw syscall, or the shell's code if the filter killed perl. */
    static final String SYSCALLS = String.join("; ", List.of(
            probe("unshare", "272, 0x10000000"), probe("mount", "165, 0, 0, 0, 0, 0"), probe("ptrace", "101, 0, 0, 0, 0"),
            probe("bpf", "321, 0, 0, 0"), probe("keyctl", "250, 0, -3, 0"), probe("perf_event_open", "298, 0, 0, -1, -1, 0"),
            probe("init_module", "175, 0, 0, 0")));

    static String probe(String name, String args) {
        return "perl -e '$r = syscall(" + args + "); print \"" + name + "=\", ($r == -1 ? $!+0 : \"ok\"), \"\\n\"'"
                + " || echo " + name + "=killed$?";
    }

    @Test
    void dangerousSyscallsAreDeniedByTheDefaultProfile() throws Exception {
        var run = boxes.sh(defaults("seccomp", "x"), SYSCALLS + "; grep Seccomp: /proc/self/status");
        for (String name : List.of("unshare", "mount", "ptrace", "bpf", "keyctl", "perf_event_open", "init_module")) {
            assertThat(run.stdout()).containsPattern("(?m)^" + name + "=(1|killed159)$");
        }
        assertThat(run.stdout()).contains("Seccomp:\t2");
        // the same probes without the filter: unshare, ptrace, keyctl and perf_event_open get past the kernel's
        // own checks, so the denials above are the filter's doing
        var open = boxes.sh(config("unconfined", "x", SandboxConfig.Resources.UNLIMITED, SandboxConfig.Seccomp.UNCONFINED,
                SandboxConfig.Landlock.DEFAULT, new RootfsSource.Host()), SYSCALLS);
        assertThat(open.stdout()).contains("unshare=ok", "ptrace=ok").doesNotContain("keyctl=1\n", "perf_event_open=1\n");
    }

    @Test
    void landlockDeniesWritesOutsideAllowedPaths(@TempDir Path tmp) throws Exception {
        Path rootfs = tmp.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.createDirectories(rootfs.resolve("work"));
        Files.copy(Path.of("/usr/bin/busybox"), rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        new ProcessBuilder("chmod", "-R", "a+rwX", rootfs.toString()).start().waitFor();
        String script = "busybox touch /top 2>&1; busybox touch /work/w && echo work-ok; busybox touch /tmp/t && echo tmp-ok; "
                + "busybox cat /proc/self/status | busybox grep NoNewPrivs";
        var ll = new SandboxConfig.Landlock(true, List.of("/work"), List.of(), List.of(), List.of());
        // uid 0 (without capabilities) owns the overlay root, so only Landlock stands between it and a write there
        var run = boxes.sh(config("landlock", "x", SandboxConfig.Resources.UNLIMITED, SandboxConfig.Seccomp.DEFAULT, ll,
                new RootfsSource.Directory(rootfs), 0), script);
        assertThat(run.stdout()).contains("touch: /top: Permission denied", "work-ok", "tmp-ok");
        // without Landlock the overlay root is writable: the EACCES above is Landlock's
        var none = boxes.sh(config("nolandlock", "x", SandboxConfig.Resources.UNLIMITED, SandboxConfig.Seccomp.DEFAULT,
                SandboxConfig.Landlock.DISABLED, new RootfsSource.Directory(rootfs), 0), script);
        assertThat(none.stdout()).doesNotContain("Permission denied");
    }

    @Test
    void memoryLimitOomKillsWithReasonOomKilled() throws Exception {
        var run = boxes.sh(config("oom", "x", new SandboxConfig.Resources(32L << 20, 0, 0), SandboxConfig.Seccomp.DEFAULT,
                SandboxConfig.Landlock.DEFAULT, new RootfsSource.Host()), "exec perl -e '$x = \"a\" x (256*1024*1024); print \"survived\\n\"'");
        assertThat(run.stdout()).doesNotContain("survived");
        assertThat(run.exit().signal()).isEqualTo(9);
        assertThat(run.exit().reason()).isEqualTo(ExitStatus.OOM_KILLED);
    }

    @Test
    void pidsLimitStopsAForkBomb() throws Exception {
        // uid 0 is exempt from RLIMIT_NPROC, so the cgroup's pids.max is the only wall here
        var run = boxes.sh(config("pids", "x", new SandboxConfig.Resources(0, 0, 16), SandboxConfig.Seccomp.DEFAULT,
                SandboxConfig.Landlock.DEFAULT, new RootfsSource.Host(), 0),
                "exec perl -e 'my @kids; for (1..64) { my $p = fork(); if (!defined $p) { print \"fork failed: $!\\n\"; last }"
                        + " if ($p == 0) { sleep 30; exit 0 } push @kids, $p } print \"started=\", scalar(@kids), \"\\n\"; kill 9, @kids'");
        assertThat(run.stdout()).as(run.stderr() + run.exit()).contains("fork failed: Resource temporarily unavailable");
        int started = Integer.parseInt(run.stdout().replaceAll("(?s).*started=(\\d+).*", "$1"));
        assertThat(started).isLessThan(16).isPositive();
    }

    @Test
    void cpuQuotaThrottles() throws Exception {
        SandboxConfig c = config("cpu", "x", new SandboxConfig.Resources(0, 100, 0), SandboxConfig.Seccomp.DEFAULT,
                SandboxConfig.Landlock.DEFAULT, new RootfsSource.Host());
        boxes.launch(c.withCommand(List.of("/bin/sh", "-c", "end=$(( $(date +%s) + 2 )); while [ $(date +%s) -lt $end ]; do :; done")));
        boxes.runtime.await(c.name(), java.time.Duration.ofSeconds(60)).orElseThrow();
        Path cpuDir = NodePolicies.system("nucleus-test").findCgroup(boxes.runtime.cgroupName(c.name())).orElseThrow().directories().stream()
                .filter(d -> Files.exists(d.resolve("cpu.cfs_quota_us")) || Files.exists(d.resolve("cpu.max")))
                .findFirst().orElseThrow();
        String stat = Files.readString(cpuDir.resolve("cpu.stat"));
        long throttled = Long.parseLong(stat.replaceAll("(?s).*nr_throttled (\\d+).*", "$1"));
        assertThat(throttled).isPositive();
    }

    @Test
    void theInitIsCreatedInItsV2CgroupAndHasJoinedEveryOtherBeforeItRuns() throws Exception {
        SandboxConfig c = config("cgin", "echo up; exec sleep 600", new SandboxConfig.Resources(64L << 20, 0, 32),
                SandboxConfig.Seccomp.DEFAULT, SandboxConfig.Landlock.DEFAULT, new RootfsSource.Host());
        SandboxRecord r = boxes.launch(c);
        @SuppressWarnings("unchecked")
        var resources = (Map<String, Object>) r.isolation().get("resources");
        // this node (hybrid, kernel >= 5.7) has a v2 directory for every sandbox: clone3(CLONE_INTO_CGROUP) is taken
        assertThat(resources.get("cgroup")).asString().startsWith("created in its v2 cgroup (CLONE_INTO_CGROUP)");
        List<Path> dirs = NodePolicies.system("nucleus-test").findCgroup(boxes.runtime.cgroupName(c.name())).orElseThrow().directories();
        List<String> memberships = Files.readAllLines(Path.of("/proc/" + r.initPid() + "/cgroup"));
        for (Path d : dirs) {
            assertThat(Files.readAllLines(d.resolve("cgroup.procs"))).as(d.toString()).contains(Long.toString(r.initPid()));
        }
        assertThat(memberships).filteredOn(l -> l.startsWith("0::")).singleElement().asString().endsWith("/" + boxes.runtime.cgroupName(c.name()));
        boxes.runtime.remove(c.name());

        // The init's mounts overlap the monitor's joins; its cgroup namespace comes after the last of them. Had any
        // join come later, that hierarchy would show a path outside the namespace's root here, not "/".
        NativeSandboxes.Run seen = boxes.run(c.withCommand(List.of("/bin/cat", "/proc/self/cgroup")));
        assertThat(seen.exit().exitCode()).isZero();
        assertThat(seen.stdout().lines().toList()).hasSize(memberships.size()).allMatch(l -> l.endsWith(":/"), "ends with :/");
    }

    @Test
    void theEffectiveIsolationNamesTheLandlockAbiTheDomainWasBuiltFor() throws Exception {
        SandboxConfig c = config("llabi", "exec sleep 600", SandboxConfig.Resources.UNLIMITED, SandboxConfig.Seccomp.DEFAULT,
                SandboxConfig.Landlock.DEFAULT, new RootfsSource.Host());
        SandboxRecord r = boxes.launch(c);
        boxes.runtime.remove(c.name());
        int expected = Math.min(dev.nucleus.agent.nativeaccess.NativeAccess.system().landlockAbi(),
                dev.nucleus.agent.landlock.LandlockAccess.KNOWN_ABI);
        assertThat(expected).as("this machine enforces Landlock").isPositive();
        assertThat(r.isolation().get("landlock")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
                .containsEntry("abi", expected);

        SandboxConfig off = config("llnone", "exec sleep 600", SandboxConfig.Resources.UNLIMITED,
                SandboxConfig.Seccomp.DEFAULT, SandboxConfig.Landlock.DISABLED, new RootfsSource.Host());
        SandboxRecord none = boxes.launch(off);
        boxes.runtime.remove(off.name());
        assertThat(none.isolation().get("landlock")).isEqualTo("disabled");
    }

    @Test
    void removeLeavesNoCgroup() throws Exception {
        SandboxConfig c = config("cgrm", "echo up; exec sleep 600", new SandboxConfig.Resources(64L << 20, 0, 32),
                SandboxConfig.Seccomp.DEFAULT, SandboxConfig.Landlock.DEFAULT, new RootfsSource.Host());
        boxes.launch(c);
        List<Path> dirs = NodePolicies.system("nucleus-test").findCgroup(boxes.runtime.cgroupName(c.name())).orElseThrow().directories();
        assertThat(dirs).isNotEmpty().allMatch(Files::isDirectory);
        boxes.runtime.remove(c.name());
        assertThat(dirs).noneMatch(Files::exists);
    }
}
