package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.nucleus.agent.cgroup.CgroupManager;
import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.runtime.NodePolicies;
import dev.nucleus.agent.runtime.PoolShape;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxRecord;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.agent.testing.TempDirs;

/**
 * Checkpoint and restore (real CRIU, root) of a sandbox in its own time namespace: CRIU dumps the namespace's clocks
 * and restores the tree into a new one whose offsets make CLOCK_MONOTONIC and CLOCK_BOOTTIME go on from the dumped
 * values, so the time the sandbox spent checkpointed (here a deliberate pause) never shows inside it.
 */
class TimeNamespaceCheckpointNativeTest {

    /** Unique per run: other engineers' tests use this machine's cgroup tree at the same time. */
    private static final String CGROUP_ROOT = "nucleus-criu-timens-test-" + ProcessHandle.current().pid();
    private static final Duration PAUSE = Duration.ofSeconds(2);

    @TempDir
    Path tmp;
    Path stateRoot;
    SandboxRuntime runtime;
    CheckpointService service;

    @BeforeEach
    void setUp() throws Exception {
        stateRoot = TempDirs.stateRoot("nucleus-criu-timens-");
        runtime = SandboxRuntime.open(stateRoot, NodePolicies.system(CGROUP_ROOT), true);  // a pool needs the zygote
        service = LauncherSandboxes.testService(new CriuRunner(CriuConfig.fromEnvironment()),
                LauncherSandboxes.testKey(7), CgroupManager.system(CGROUP_ROOT));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            for (String n : runtime.stateDirectory().list()) {
                try {
                    runtime.remove(n);
                } catch (Exception e) {
                    // best effort: a failed test's sandboxes; the names are unique per run
                }
            }
            runtime.close();
        } finally {
            TempDirs.deleteTree(stateRoot);
        }
    }

    /**
     * Two migration hops: the launched sandbox is dumped, restored after a pause, and the restored one is dumped and
     * restored again (a chain of moves): each hop's clocks go on from its dump, never counting its pause.
     */
    @Test
    void theRestoredWorkloadsClocksGoOnFromTheDumpWithoutThePause() throws Exception {
        String name = "timens-" + ProcessHandle.current().pid();
        SandboxConfig config = uptimePrinter(name);
        SandboxRecord r = runtime.launch(config);
        assertThat(r.poolMember()).as("no pool: cold").isNull();
        assertThat(Files.readSymbolicLink(Path.of("/proc/" + r.initPid() + "/ns/time")).toString()).isNotEqualTo(HOST);
        assertThat(runtime.read(name).isolation().get("namespaces")).asList().contains("time");
        awaitLines(runtime.stateDirectory().open(name).stdoutLog(), 10);

        long first = hop(r, config, name + "-r", NO_OFFSETS);
        long second = hop(runtime.read(name + "-r"), config, name + "-rr", offsets(first));

        for (String n : List.of(name, name + "-r", name + "-rr")) {
            runtime.remove(n);
        }
        assertThat(ProcessHandle.of(first).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    /** A sandbox claimed from a warm pool of the time-namespace shape: its member's init was born in the namespace. */
    @Test
    void aSandboxClaimedFromATimeNamespacePoolMovesTheSameWay() throws Exception {
        PoolShape shape = new PoolShape(NetworkMode.NONE, true);
        runtime.enableWarmPool(1, shape);
        try {
            assertThat(runtime.awaitWarmPool(Duration.ofSeconds(60))).as("the pool fills").isTrue();
            String name = "timens-pooled-" + ProcessHandle.current().pid();
            SandboxConfig config = uptimePrinter(name);
            SandboxRecord r = runtime.launch(config);
            assertThat(r.poolMember()).as("claimed a member").isNotNull();
            awaitLines(runtime.stateDirectory().open(name).stdoutLog(), 10);
            long pid = hop(r, config, name + "-r", NO_OFFSETS);
            runtime.remove(name);
            runtime.remove(name + "-r");
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        } finally {
            runtime.enableWarmPool(0, shape);
        }
    }

    /** Prints the workload's CLOCK_BOOTTIME as it sees it (/proc/uptime is time-namespace aware) every 50 ms. */
    private static SandboxConfig uptimePrinter(String name) {
        String script = "while true; do cut -d' ' -f1 /proc/uptime; sleep 0.05; done";
        return new SandboxConfig(name, List.of("/bin/sh", "-c", script), Map.of(), "/", new RootfsSource.Host(), List.of(),
                new SandboxConfig.Resources(64L << 20, 0, 32), 0, 0, false, NetworkMode.NONE, SandboxConfig.Seccomp.DEFAULT,
                SandboxConfig.Landlock.DISABLED, Set.of(), 0).withTimeNamespace(true);
    }

    private static final String HOST = hostTimeNamespace();
    private static final Map<String, Double> NO_OFFSETS = Map.of("monotonic", 0.0, "boottime", 0.0);

    private static String hostTimeNamespace() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/ns/time")).toString();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Dumps the running sandbox {@code from} (its time namespace's offsets {@code offsetBefore}, s per clock), waits
     * {@link #PAUSE}, restores it as {@code to} and checks its clocks; returns the restored init's pid.
     */
    private long hop(SandboxRecord from, SandboxConfig config, String to, Map<String, Double> offsetBefore)
            throws Exception {
        // Held open until the comparison below: a freed namespace's nsfs inode number is reused, so without this hold
        // the restored namespace could carry the dumped one's number while being another namespace.
        Path dumpedNs = Path.of("/proc/" + from.initPid() + "/ns/time");
        try (var held = java.nio.channels.FileChannel.open(dumpedNs)) {
            return hop(from, config, to, offsetBefore, Files.readSymbolicLink(dumpedNs).toString());
        }
    }

    private long hop(SandboxRecord from, SandboxConfig config, String to, Map<String, Double> offsetBefore,
            String dumped) throws Exception {
        Path stdout = runtime.stateDirectory().open(from.name()).stdoutLog();
        Path dir = tmp.resolve("ckpt-" + to);
        CheckpointTarget target = CheckpointTarget.of(from, config,
                new ObjectMapper().readTree("{\"name\":\"" + from.name() + "\"}"), false);
        service.checkpoint(target, dir, false);
        long dumpedAt = System.nanoTime();  // CLOCK_MONOTONIC: CRIU read the namespace's clocks before this
        assertThat(runtime.await(from.name(), Duration.ofSeconds(20))).as("the dump stops the sandbox").isPresent();
        List<Double> before = uptimes(stdout);
        double lastBefore = before.get(before.size() - 1);
        assertThat(RuntimeRestoreMonitor.timeNamespaceDumped(dir.resolve(CheckpointService.IMAGES)))
                .as("CRIU dumped the time namespace").isTrue();

        Thread.sleep(PAUSE.toMillis());
        long restoreFrom = System.nanoTime();
        long pid = RuntimeRestoreMonitor.restoreInto(service, runtime, to, dir, Map.of(), false).initPid();
        double paused = (restoreFrom - dumpedAt) / 1e9;

        // a new time namespace, neither the host's nor the dumped one, whose offsets grew by at least the pause: CRIU
        // read the clocks before the dump returned and wrote the offsets after the restore began (a bound, no timing)
        String now = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/time")).toString();
        assertThat(now).isNotEqualTo(HOST).isNotEqualTo(dumped);
        Map<String, Double> offsets = offsets(pid);
        assertThat(offsets.get("monotonic")).as("%s: monotonic offset after a %.3f s pause", to, paused)
                .isLessThanOrEqualTo(offsetBefore.get("monotonic") - paused);
        assertThat(offsets.get("boottime")).as("%s: boottime offset after a %.3f s pause", to, paused)
                .isLessThanOrEqualTo(offsetBefore.get("boottime") - paused);
        assertThat(runtime.read(to).isolation().get("timeNamespace")).asString().startsWith("restored");

        // inside: the clock goes on from where it stood (never backwards), and stays behind the host's by the pauses
        Path restoredStdout = runtime.stateDirectory().open(to).stdoutLog();
        awaitLines(restoredStdout, 5);
        List<Double> after = uptimes(restoredStdout);
        double hostUptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        assertThat(after.get(0)).as("%s: first reading after the restore", to).isGreaterThanOrEqualTo(lastBefore);
        assertThat(after).isSorted();
        assertThat(hostUptime - after.get(after.size() - 1)).as("%s: host minus workload uptime (0.01 s: /proc/uptime's "
                + "resolution)", to).isGreaterThanOrEqualTo(-offsetBefore.get("boottime") + paused - 0.01);
        return pid;
    }

    /** CRIU names a dumped time namespace's image by its id; a tree in the node's own leaves only timens-0.img. */
    @Test
    void aRestoreReportsATimeNamespaceOnlyWhenOneWasDumped() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Files.writeString(images.resolve("timens-0.img"), "");
        Files.writeString(images.resolve("utsns-12.img"), "");
        assertThat(RuntimeRestoreMonitor.timeNamespaceDumped(images)).isFalse();
        Files.writeString(images.resolve("timens-13.img"), "");
        assertThat(RuntimeRestoreMonitor.timeNamespaceDumped(images)).isTrue();
        assertThat(RuntimeRestoreMonitor.timeNamespaceDumped(tmp.resolve("missing"))).isFalse();
    }

    /** /proc/PID/timens_offsets ("monotonic SEC NSEC" per line) in seconds per clock. */
    private static Map<String, Double> offsets(long pid) throws java.io.IOException {
        Map<String, Double> m = new java.util.HashMap<>();
        for (String line : Files.readString(Path.of("/proc/" + pid + "/timens_offsets")).strip().split("\n")) {
            String[] f = line.trim().split("\\s+");
            m.put(f[0], Long.parseLong(f[1]) + Long.parseLong(f[2]) / 1e9);
        }
        return m;
    }

    private static List<Double> uptimes(Path log) throws Exception {
        List<Double> out = new ArrayList<>();
        for (String l : Files.readAllLines(log)) {
            if (l.strip().matches("\\d+\\.\\d+")) {
                out.add(Double.parseDouble(l.strip()));
            }
        }
        return out;
    }

    private static void awaitLines(Path log, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (uptimes(log).size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(log + " has fewer than " + n + " readings: " + uptimes(log));
            }
            Thread.sleep(50);
        }
    }
}
