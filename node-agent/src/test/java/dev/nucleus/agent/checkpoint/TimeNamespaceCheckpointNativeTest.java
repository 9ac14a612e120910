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
        runtime = SandboxRuntime.open(stateRoot, NodePolicies.system(CGROUP_ROOT));
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

    @Test
    void theRestoredWorkloadsClocksGoOnFromTheDumpWithoutThePause() throws Exception {
        String name = "timens-" + ProcessHandle.current().pid();
        // the workload's CLOCK_BOOTTIME as it sees it (/proc/uptime is time-namespace aware), every 50 ms
        String script = "while true; do cut -d' ' -f1 /proc/uptime; sleep 0.05; done";
        SandboxConfig config = new SandboxConfig(name, List.of("/bin/sh", "-c", script), Map.of(), "/",
                new RootfsSource.Host(), List.of(), new SandboxConfig.Resources(64L << 20, 0, 32), 0, 0, false,
                NetworkMode.NONE, SandboxConfig.Seccomp.DEFAULT, SandboxConfig.Landlock.DISABLED, Set.of(), 0)
                .withTimeNamespace(true);
        SandboxRecord r = runtime.launch(config);
        String host = Files.readSymbolicLink(Path.of("/proc/self/ns/time")).toString();
        String dumped = Files.readSymbolicLink(Path.of("/proc/" + r.initPid() + "/ns/time")).toString();
        assertThat(dumped).isNotEqualTo(host);
        Path stdout = runtime.stateDirectory().open(name).stdoutLog();
        awaitLines(stdout, 10);

        CheckpointTarget target = CheckpointTarget.of(r, config, new ObjectMapper().readTree("{\"name\":\"" + name + "\"}"),
                false);
        service.checkpoint(target, tmp.resolve("ckpt"), false);
        long dumpedAt = System.nanoTime();  // CLOCK_MONOTONIC: CRIU read the namespace's clocks before this
        assertThat(runtime.await(name, Duration.ofSeconds(20))).as("the dump stops the sandbox").isPresent();
        List<Double> before = uptimes(stdout);
        double lastBefore = before.get(before.size() - 1);
        assertThat(Files.list(tmp.resolve("ckpt/images")).map(p -> p.getFileName().toString()))
                .as("CRIU dumped the time namespace").anyMatch(f -> f.startsWith("timens-"));

        Thread.sleep(PAUSE.toMillis());
        long restoreFrom = System.nanoTime();
        String restoredName = name + "-r";
        CheckpointService.Restored restored = RuntimeRestoreMonitor.restoreInto(service, runtime, restoredName,
                tmp.resolve("ckpt"), Map.of(), false);
        long pid = restored.initPid();
        double paused = (restoreFrom - dumpedAt) / 1e9;

        // a new time namespace, neither the host's nor the dumped one's, with offsets at least as large as the pause
        String now = Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/time")).toString();
        assertThat(now).isNotEqualTo(host).isNotEqualTo(dumped);
        Map<String, Double> offsets = offsets(Files.readString(Path.of("/proc/" + pid + "/timens_offsets")));
        assertThat(offsets.get("monotonic")).as("monotonic offset vs a %.3f s pause", paused).isLessThanOrEqualTo(-paused);
        assertThat(offsets.get("boottime")).as("boottime offset vs a %.3f s pause", paused).isLessThanOrEqualTo(-paused);

        // inside: the clock goes on from where it stood (never backwards), and stays behind the host's by the pause
        Path restoredStdout = runtime.stateDirectory().open(restoredName).stdoutLog();
        awaitLines(restoredStdout, 5);
        List<Double> after = uptimes(restoredStdout);
        double hostUptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
        assertThat(after.get(0)).as("first reading after the restore").isGreaterThanOrEqualTo(lastBefore);
        assertThat(after).isSorted();
        assertThat(hostUptime - after.get(after.size() - 1)).as("host minus workload uptime (0.01 s: /proc/uptime's resolution)")
                .isGreaterThanOrEqualTo(paused - 0.01);

        assertThat(runtime.read(name).isolation().get("namespaces")).asList().contains("time");
        assertThat(runtime.read(restoredName).isolation().get("timeNamespace")).asString().startsWith("restored");

        runtime.remove(name);
        runtime.remove(restoredName);
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
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
    private static Map<String, Double> offsets(String file) {
        Map<String, Double> m = new java.util.HashMap<>();
        for (String line : file.strip().split("\n")) {
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
