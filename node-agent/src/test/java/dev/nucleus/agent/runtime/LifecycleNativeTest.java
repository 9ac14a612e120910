package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lifecycle on the real kernel: exit status, signals, deadline, logs, agent restart, failures, teardown. */
class LifecycleNativeTest {

    static NativeSandboxes boxes;

    @BeforeAll
    static void start() throws IOException {
        boxes = new NativeSandboxes(SandboxPolicies.unavailable());
    }

    @AfterAll
    static void stop() throws Exception {
        boxes.close();
    }

    static SandboxConfig unconfined(String name, List<String> command) {
        return new SandboxConfig(name, command, Map.of(), "/", new RootfsSource.Host(), List.of(),
                SandboxConfig.Resources.UNLIMITED, 0, 0, false, NetworkMode.NONE, SandboxConfig.Seccomp.UNCONFINED,
                SandboxConfig.Landlock.DISABLED, Set.of(), 0);
    }

    static SandboxConfig sh(String prefix, String script) {
        return unconfined(boxes.name(prefix), List.of("/bin/sh", "-c", script));
    }

    @Test
    void exitCodeSignalAndOutputAreRecorded() throws Exception {
        var run = boxes.run(sh("exit", "echo out; echo err >&2; exit 3"));
        assertThat(run.exit().exitCode()).isEqualTo(3);
        assertThat(run.exit().reason()).isEqualTo(ExitStatus.ERROR);
        assertThat(run.stdout()).isEqualTo("out\n");
        assertThat(run.stderr()).isEqualTo("err\n");
        // a pid-namespace init cannot SIGKILL itself; the kill comes from the host like an OOM kill would
        SandboxConfig victim = sh("sig", "echo up; exec sleep 600");
        SandboxRecord r = boxes.runtime.launch(victim);
        awaitOutput(victim.name(), "up");
        ProcessHandle.of(r.initPid()).orElseThrow().destroyForcibly();
        ExitStatus killed = boxes.runtime.await(victim.name(), Duration.ofSeconds(30)).orElseThrow();
        assertThat(killed.signal()).isEqualTo(9);
        assertThat(killed.reason()).isEqualTo(ExitStatus.SIGNALED);
        assertThat(killed.shellCode()).isEqualTo(137);
    }

    @Test
    void stopForwardsSigtermThenKillsAfterTheGracePeriod() throws Exception {
        SandboxConfig trapping = sh("trap", "trap 'echo bye; exit 7' TERM; echo up; while :; do sleep 0.1; done");
        boxes.runtime.launch(trapping);
        awaitOutput(trapping.name(), "up");
        ExitStatus s = boxes.runtime.stop(trapping.name(), Duration.ofSeconds(10)).orElseThrow();
        assertThat(s.exitCode()).isEqualTo(7);

        // an ignored SIGTERM survives exec, so this workload is deaf to the forwarded signal
        SandboxConfig deaf = sh("deaf", "trap '' TERM; echo up; exec sleep 600");
        boxes.runtime.launch(deaf);
        awaitOutput(deaf.name(), "up");
        ExitStatus k = boxes.runtime.stop(deaf.name(), Duration.ofMillis(300)).orElseThrow();
        assertThat(k.signal()).isEqualTo(9);
    }

    @Test
    void deadlineKillsWithReasonDeadlineExceeded() throws Exception {
        SandboxConfig c = sh("deadline", "exec sleep 600");
        c = new SandboxConfig(c.name(), c.command(), c.env(), c.workingDir(), c.rootfs(), c.volumes(), c.resources(), 0, 0,
                false, NetworkMode.NONE, c.seccomp(), c.landlock(), Set.of(), 1);
        var run = boxes.run(c);
        assertThat(run.exit().reason()).isEqualTo(ExitStatus.DEADLINE_EXCEEDED);
        assertThat(run.exit().signal()).isEqualTo(9);
    }

    @Test
    void logsAreCappedWhileTheWorkloadKeepsRunning() throws Exception {
        var run = boxes.run(sh("logs", "head -c 20000000 /dev/zero | tr '\\000' a; echo done >&2"));
        assertThat(run.exit().exitCode()).isZero();
        assertThat(run.stderr()).isEqualTo("done\n");
        assertThat((long) run.stdout().length()).isBetween(LaunchPlanner.LOG_LIMIT_BYTES, LaunchPlanner.LOG_LIMIT_BYTES + 100);
        assertThat(run.stdout()).endsWith("[nucleus: log size limit reached, further output dropped]\n");
    }

    @Test
    void sandboxOutlivesItsAgentAndANewAgentAdoptsIt() throws Exception {
        String name = boxes.name("orphan");
        Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), LaunchAndDie.class.getName(), boxes.stateRoot.toString(), name)
                .inheritIO().start();
        assertThat(agent.waitFor()).isZero();
        // a fresh runtime (a restarted agent) finds it by pid + start time and controls it
        SandboxRuntime restarted = SandboxRuntime.open(boxes.stateRoot, SandboxPolicies.unavailable());
        assertThat(restarted.adopt()).contains(name);
        SandboxRecord r = restarted.read(name);
        String stat = Files.readString(Path.of("/proc/" + r.monitorPid() + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        assertThat(Long.parseLong(f[5 - 3])).as("monitor is its own session leader").isEqualTo(r.monitorPid());
        awaitOutput(name, "up");
        assertThat(restarted.stop(name, Duration.ofSeconds(10)).orElseThrow().exitCode()).isEqualTo(7);
    }

    @Test
    void launchFailureNamesTheStepAndLeavesNothing() {
        SandboxConfig c = unconfined(boxes.name("noexec"), List.of("/no/such/binary"));
        assertThatThrownBy(() -> boxes.runtime.launch(c)).isInstanceOf(LaunchException.class)
                .hasMessage("launcher step 'exec' failed: execve(/no/such/binary): ENOENT (no such file or directory)");
        assertThat(boxes.stateRoot.resolve("sandboxes").resolve(c.name())).doesNotExist();
    }

    @Test
    void symlinkPlantedInTheStateDirectoryIsNotFollowed(@TempDir Path tmp) throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "precious");
        SandboxConfig c = sh("plant", "sleep 0.5; echo done");
        boxes.runtime.launch(c);
        Path dir = boxes.stateRoot.resolve("sandboxes").resolve(c.name());
        Files.createSymbolicLink(dir.resolve("exit-status.tmp"), victim);
        ExitStatus s = boxes.runtime.await(c.name(), Duration.ofSeconds(30)).orElseThrow();
        assertThat(s.exitCode()).isZero();
        assertThat(Files.readString(victim)).isEqualTo("precious");
        Files.delete(dir.resolve("exit-status"));
        Files.createSymbolicLink(dir.resolve("exit-status"), victim);
        assertThatThrownBy(() -> boxes.runtime.exitStatus(c.name())).isInstanceOf(dev.nucleus.agent.state.SymlinkRefusedException.class);
    }

    @Test
    void pathRootfsWritesLandInTheUpperLayerOnly(@TempDir Path tmp) throws Exception {
        Path rootfs = tmp.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/usr/bin/busybox"), rootfs.resolve("bin/busybox"));
        Files.createSymbolicLink(rootfs.resolve("bin/sh"), Path.of("busybox"));
        Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        SandboxConfig c = sh("pathfs", "echo hi > /hello && busybox cat /hello && busybox ls /");
        c = new SandboxConfig(c.name(), c.command(), c.env(), c.workingDir(), new RootfsSource.Directory(tmp.resolve("rootfs")),
                c.volumes(), c.resources(), 0, 0, false, NetworkMode.NONE, c.seccomp(), c.landlock(), Set.of(), 0);
        var run = boxes.run(c);
        assertThat(run.stdout()).startsWith("hi\n").contains("bin", "proc", "dev", "tmp");
        assertThat(tmp.resolve("rootfs/hello")).doesNotExist();
        assertThat(boxes.runtime.stateDirectory().open(c.name()).overlayUpper().resolve("hello")).hasContent("hi");
    }

    @Test
    void removeLeavesNoProcessMountOrDirectory() throws Exception {
        SandboxConfig c = sh("teardown", "echo up; exec sleep 600");
        SandboxRecord r = boxes.runtime.launch(c);
        awaitOutput(c.name(), "up");
        boxes.runtime.remove(c.name());
        assertThat(ProcessHandle.of(r.monitorPid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(ProcessHandle.of(r.initPid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(boxes.stateRoot.resolve("sandboxes").resolve(c.name())).doesNotExist();
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(boxes.stateRoot.toString());
    }

    static void awaitOutput(String name, String text) throws Exception {
        Path log = boxes.stateRoot.resolve("sandboxes").resolve(name).resolve("stdout.log");
        for (int i = 0; i < 500 && !(Files.exists(log) && Files.readString(log).contains(text)); i++) {
            Thread.sleep(10);
        }
        assertThat(log).content().contains(text);
    }
}
