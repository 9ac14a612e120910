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
 * Checkpoint and restore (real CRIU, root) of a sandbox claimed from the warm pool: its cgroups are the member's
 * ({@code pool.<id>}) and its namespaces and mounts were made before the claim.
 */
class PooledCheckpointNativeTest {

    private static final long MEMORY = 64L << 20;
    private static final int PIDS = 48;
    /** Unique per run: other engineers' tests use this machine's cgroup tree at the same time. */
    private static final String CGROUP_ROOT = "nucleus-criu-pool-test-" + ProcessHandle.current().pid();

    @TempDir
    Path tmp;
    Path stateRoot;
    SandboxRuntime runtime;
    CheckpointService service;

    @BeforeEach
    void setUp() throws Exception {
        stateRoot = TempDirs.stateRoot("nucleus-criu-pool-");
        runtime = SandboxRuntime.open(stateRoot, NodePolicies.system(CGROUP_ROOT), true);  // a pool needs the zygote
        runtime.enableWarmPool(1, PoolShape.NETWORK_NONE);
        service = LauncherSandboxes.testService(new CriuRunner(CriuConfig.fromEnvironment()),
                LauncherSandboxes.testKey(5), CgroupManager.system(CGROUP_ROOT));
    }

    @AfterEach
    void tearDown() throws Exception {
        try {
            runtime.enableWarmPool(0, PoolShape.NETWORK_NONE);
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

    /** A counter whose value lives only in the shell's memory, printed to stdout every 50 ms; pool shape, no volume. */
    private static SandboxConfig counter(String name) {
        String script = "i=0; while true; do i=$((i+1)); echo $i; sleep 0.05; done";
        return new SandboxConfig(name, List.of("/bin/sh", "-c", script), Map.of(), "/", new RootfsSource.Host(),
                List.of(), new SandboxConfig.Resources(MEMORY, 0, PIDS), 0, 0, false, NetworkMode.NONE,
                SandboxConfig.Seccomp.DEFAULT, SandboxConfig.Landlock.DISABLED, Set.of(), 0);
    }

    @Test
    void aPooledSandboxIsCheckpointedRestoredWithItsLimitsAndBothRemoveWithoutATrace() throws Exception {
        assertThat(runtime.awaitWarmPool(Duration.ofSeconds(60))).isTrue();
        String name = "pooled-" + ProcessHandle.current().pid();
        SandboxConfig config = counter(name);
        SandboxRecord r = runtime.launch(config);
        assertThat(r.poolMember()).as("claimed from the pool").isNotNull();
        String memberCgroup = r.cgroupName();
        assertThat(memberCgroup).isEqualTo("pool." + r.poolMember());
        List<Path> memberDirs = cgroupDirsOf(r.initPid());
        assertThat(memberDirs).isNotEmpty().allSatisfy(d -> assertThat(d.getFileName().toString()).isEqualTo(memberCgroup));
        Path stdout = runtime.stateDirectory().open(name).stdoutLog();
        awaitLast(stdout, 20);

        CheckpointTarget target = CheckpointTarget.of(r, config, new ObjectMapper().readTree("{\"name\":\"" + name + "\"}"),
                false);
        CheckpointService.Checkpoint ckpt = service.checkpoint(target, tmp.resolve("ckpt"), false);

        assertThat(ckpt.digest()).startsWith("sha256:");
        assertThat(ckpt.metadata().resourceLimits()).isEqualTo(ResourceLimits.of(MEMORY, 0, PIDS, null));
        assertThat(runtime.await(name, Duration.ofSeconds(20))).as("the dump stops the sandbox").isPresent();
        assertThat(ProcessHandle.of(r.initPid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        long atDump = last(stdout);
        assertThat(atDump).isGreaterThanOrEqualTo(20);

        String restoredName = name + "-r";
        CheckpointService.Restored restored = RuntimeRestoreMonitor.restoreInto(service, runtime, restoredName,
                tmp.resolve("ckpt"), Map.of(), false);

        // The counter continues from the dumped value (the dump may freeze it between two echoes: atDump again).
        Path restoredStdout = runtime.stateDirectory().open(restoredName).stdoutLog();
        awaitLast(restoredStdout, 1);
        long firstAfter = first(restoredStdout);
        assertThat(firstAfter).as("continues, never restarts").isBetween(atDump, atDump + 1);
        awaitLast(restoredStdout, atDump + 10);
        // Its own cgroups, named after the restored sandbox, with the recorded limits; nothing in the member's.
        long pid = restored.initPid();
        String procCgroups = Files.readString(Path.of("/proc/" + pid + "/cgroup"));
        assertThat(procCgroups).contains(CGROUP_ROOT + "/" + restoredName).doesNotContain(memberCgroup);
        assertThat(runtime.cgroupName(restoredName)).isEqualTo(restoredName);
        List<Path> restoredDirs = cgroupDirsOf(pid);
        assertThat(restoredDirs).isNotEmpty().allSatisfy(d -> assertThat(d.getFileName().toString()).isEqualTo(restoredName));
        assertThat(limitFile(restoredDirs, "memory.limit_in_bytes", "memory.max")).isEqualTo(Long.toString(MEMORY));
        assertThat(limitFile(restoredDirs, "pids.max", "pids.max")).isEqualTo(Integer.toString(PIDS));
        assertThat(Files.readString(Path.of("/proc/" + pid + "/status"))).containsPattern("Seccomp:\\s+2");

        runtime.remove(name);
        runtime.remove(restoredName);

        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ProcessHandle.of(r.monitorPid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(memberDirs).as("the member's cgroups").allSatisfy(d -> assertThat(d).doesNotExist());
        assertThat(restoredDirs).as("the restored sandbox's cgroups").allSatisfy(d -> assertThat(d).doesNotExist());
        String mounts = Files.readString(Path.of("/proc/self/mountinfo"));
        assertThat(mounts).doesNotContain(r.poolMember()).doesNotContain(name).doesNotContain(stateRoot.toString());
        assertThat(runtime.stateDirectory().exists(name)).isFalse();
        assertThat(runtime.stateDirectory().exists(restoredName)).isFalse();
    }

    /** The value of a limit file (v1 name, else the v2 one) in one of {@code dirs}. */
    private static String limitFile(List<Path> dirs, String v1, String v2) throws Exception {
        for (Path d : dirs) {
            for (String f : List.of(v1, v2)) {
                if (Files.exists(d.resolve(f))) {
                    return Files.readString(d.resolve(f)).trim();
                }
            }
        }
        throw new AssertionError("no " + v1 + " nor " + v2 + " in " + dirs);
    }

    /**
     * The cgroup directories {@code pid} is in below this test's root, from /proc/pid/cgroup (the memory hierarchy may
     * nest the root below this JVM's own memory cgroup, so the path is read, not guessed).
     */
    private static List<Path> cgroupDirsOf(long pid) throws Exception {
        List<Path> found = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            if (f.length == 3 && f[2].contains(CGROUP_ROOT) && !f[1].startsWith("name=")) {
                String hierarchy = f[1].isEmpty() ? "unified" : f[1].split(",")[0];
                found.add(Path.of("/sys/fs/cgroup", hierarchy).resolve(f[2].substring(1)));
            }
        }
        return found;
    }

    private static List<Long> numbers(Path log) throws Exception {
        List<Long> out = new ArrayList<>();
        for (String l : Files.readAllLines(log)) {
            if (l.strip().matches("\\d+")) {
                out.add(Long.parseLong(l.strip()));
            }
        }
        return out;
    }

    private static long first(Path log) throws Exception {
        return numbers(log).get(0);
    }

    private static long last(Path log) throws Exception {
        List<Long> n = numbers(log);
        return n.isEmpty() ? 0 : n.get(n.size() - 1);
    }

    /** Waits until the log's last number is at least {@code min}; returns it. */
    private static long awaitLast(Path log, long min) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long v = 0;
        while (System.nanoTime() < deadline) {
            v = last(log);
            if (v >= min) {
                return v;
            }
            Thread.sleep(50);
        }
        throw new AssertionError(log + " stuck at " + v);
    }
}
