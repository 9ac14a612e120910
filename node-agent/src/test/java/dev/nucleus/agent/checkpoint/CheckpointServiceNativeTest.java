package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;
import dev.nucleus.agent.runtime.ExitStatus;
import dev.nucleus.agent.runtime.SandboxRecord;

/** Checkpoint and restore of real launcher sandboxes with real CRIU (root, scripts/install-criu.sh). */
class CheckpointServiceNativeTest {

    private static final long MEMORY = 64L << 20;

    @TempDir
    Path tmp;
    LauncherSandboxes sandboxes;
    CheckpointService service;

    @BeforeEach
    void setUp() throws Exception {
        sandboxes = new LauncherSandboxes();
        service = LauncherSandboxes.testService(new CriuRunner(CriuConfig.fromEnvironment()),
                LauncherSandboxes.testKey(3), sandboxes.cgroups);
    }

    @AfterEach
    void tearDown() throws Exception {
        sandboxes.close();  // removes the restored sandboxes too: their processes, cgroups and state
    }

    private CheckpointTarget target(SandboxRecord r, Path data, boolean landlock) throws Exception {
        return new CheckpointTarget(r.name(), r.name(), r.initPid(), r.command(),
                ResourceLimits.of(MEMORY, 0, 64, null), List.of(new ExternalMount("data", "/data", data.toString())),
                new ObjectMapper().readTree("{\"name\":\"" + r.name() + "\"}"), landlock, false, false);
    }

    /** The path the CLI and the agent use: a new sandbox of the runtime, restored under the launcher's monitor. */
    private CheckpointService.Restored restore(Path ckpt, String id, Path data, boolean acceptLandlock)
            throws CheckpointException {
        return RuntimeRestoreMonitor.restoreInto(service, sandboxes.runtime, id, ckpt, Map.of("data", data.toString()),
                acceptLandlock);
    }

    @Test
    void aCheckpointedSandboxStopsAndItsRestoreCountsOnWithItsLimitsAndOutput() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        String name = "counter-" + ProcessHandle.current().pid();
        SandboxRecord r = sandboxes.startCounter(name, data, MEMORY);
        CounterFile counter = new CounterFile(data.resolve("count"));
        counter.await(v -> v >= 20);

        CheckpointService.Checkpoint ckpt = service.checkpoint(target(r, data, false), tmp.resolve("ckpt"), false);

        assertThat(ckpt.digest()).startsWith("sha256:");
        assertThat(ckpt.frozenMicros()).isPresent();
        assertThat(ckpt.sizeBytes()).isPositive();
        assertThat(tmp.resolve("ckpt/images/pstree.img")).isRegularFile();
        ExitStatus stopped = sandboxes.runtime.await(name, Duration.ofSeconds(20)).orElseThrow();
        assertThat(stopped.toString()).contains("9");
        long atDump = counter.read();
        Thread.sleep(300);
        assertThat(counter.read()).as("nothing runs between dump and restore").isEqualTo(atDump);

        CheckpointService.Restored restored = restore(tmp.resolve("ckpt"), name + "-r", data, false);
        long restoredPid = restored.initPid();

        assertThat(counter.read()).as("continues, never restarts").isGreaterThanOrEqualTo(atDump);
        counter.await(v -> v > atDump + 10);
        // The Default seccomp filter comes back with the process (Landlock would not).
        assertThat(Files.readString(Path.of("/proc/" + restoredPid + "/status"))).containsPattern("Seccomp:\\s+2");
        String cgroups = Files.readString(Path.of("/proc/" + restoredPid + "/cgroup"));
        assertThat(cgroups).contains(name + "-r");
        Path memoryDir = restored.cgroup().procsFiles().stream().filter(p -> p.toString().contains("/memory/"))
                .findFirst().orElseThrow().getParent();
        assertThat(Files.readString(memoryDir.resolve("memory.limit_in_bytes")).trim()).isEqualTo(Long.toString(MEMORY));
        // The workload's stdout pipe was replaced by the monitor's new one: the numbers keep coming into its log.
        Path stdout = sandboxes.runtime.stateDirectory().open(name + "-r").stdoutLog();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (Files.size(stdout) == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        String first = Files.readAllLines(stdout).get(0).trim();
        // The dump may freeze it between writing the count file and echoing the number: equal is fine.
        assertThat(Long.parseLong(first)).isGreaterThanOrEqualTo(atDump);
        assertThat(restored.landlockEnforced()).isFalse();
        assertThat(restored.isolationReason()).isEqualTo("IsolationEnforced");
    }

    @Test
    void leaveRunningKeepsTheSandboxGoingAndTamperingIsRefusedBeforeAnythingIsCreated() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        String name = "tamper-" + ProcessHandle.current().pid();
        SandboxRecord r = sandboxes.startCounter(name, data, MEMORY);
        CounterFile counter = new CounterFile(data.resolve("count"));
        counter.await(v -> v >= 5);

        service.checkpoint(target(r, data, false), tmp.resolve("ckpt"), true);
        long after = counter.read();
        counter.await(v -> v > after + 5);

        Path pages = Files.list(tmp.resolve("ckpt/images")).filter(p -> p.getFileName().toString().startsWith("pages-"))
                .findFirst().orElseThrow();
        byte[] b = Files.readAllBytes(pages);
        b[b.length / 2] ^= 0x55;
        Files.write(pages, b);

        assertThatThrownBy(() -> restore(tmp.resolve("ckpt"), name + "-r", data, false))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.DigestMismatch);
                    assertThat(e.getMessage()).contains(pages.getFileName().toString());
                });
        assertThat(sandboxes.runtime.stateDirectory().exists(name + "-r")).isFalse();
        assertThat(sandboxes.cgroups.open(name + "-r").directories()).allSatisfy(d -> assertThat(d).doesNotExist());
    }

    @Test
    void landlockSandboxesAreOnlyRestoredWhenTheLossIsAccepted() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        String name = "landlock-" + ProcessHandle.current().pid();
        SandboxRecord r = sandboxes.startCounter(name, data, MEMORY);
        new CounterFile(data.resolve("count")).await(v -> v >= 5);
        service.checkpoint(target(r, data, true), tmp.resolve("ckpt"), false);
        sandboxes.runtime.await(name, Duration.ofSeconds(20)).orElseThrow();

        assertThatThrownBy(() -> restore(tmp.resolve("ckpt"), name + "-r", data, false))
                .isInstanceOfSatisfying(CheckpointException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.LandlockRestoreRefused));
        assertThat(sandboxes.runtime.stateDirectory().exists(name + "-r")).isFalse();

        CheckpointService.Restored restored = restore(tmp.resolve("ckpt"), name + "-a", data, true);
        assertThat(restored.landlockEnforced()).isFalse();
        assertThat(restored.isolationReason()).isEqualTo("LandlockNotRestored");
    }

    @Test
    void badInputIsRefusedWithAPreciseReason() throws Exception {
        // A sandbox that is not running.
        CheckpointTarget gone = new CheckpointTarget("gone", "gone", 999_999_999L, List.of("x"), null, List.of(),
                null, false, false, false);
        assertThatThrownBy(() -> service.checkpoint(gone, tmp.resolve("c1"), false))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.reason()).isEqualTo(Reason.NotRunning));
        assertThat(tmp.resolve("c1")).doesNotExist();

        // A node without CRIU.
        CheckpointService noCriu = new CheckpointService(new CriuRunner(CriuConfig.fromEnvironment())
                .withBinary(tmp.resolve("missing-criu")), CheckpointKey.of(new byte[32]), RestoreCgroups.unavailable(),
                "n", "v");
        assertThatThrownBy(() -> noCriu.checkpoint(gone, tmp.resolve("c2"), false))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.CriuUnavailable);
                    assertThat(e.getMessage()).contains("missing-criu", "does not exist");
                });
    }

    /** Reads the counter the sandbox writes to its /data volume. */
    record CounterFile(Path file) {
        long read() throws Exception {
            for (int i = 0; i < 100; i++) {
                String s = Files.exists(file) ? Files.readString(file).trim() : "";
                if (!s.isEmpty()) {
                    return Long.parseLong(s);
                }
                Thread.sleep(20);
            }
            throw new AssertionError("no value in " + file);
        }

        void await(java.util.function.LongPredicate p) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            long v = -1;
            while (System.nanoTime() < deadline) {
                v = read();
                if (p.test(v)) {
                    return;
                }
                Thread.sleep(50);
            }
            throw new AssertionError("counter stuck at " + v);
        }
    }
}
