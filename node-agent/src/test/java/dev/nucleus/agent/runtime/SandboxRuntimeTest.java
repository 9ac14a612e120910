package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.agent.state.AtomicFiles;
import dev.nucleus.agent.state.StateDirectory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lifecycle logic against the recording fake kernel: no process is started here. */
class SandboxRuntimeTest {

    @TempDir
    Path root;

    SandboxRuntime runtime(FakeKernel k) {
        return new SandboxRuntime(new StateDirectory(root), k, SandboxPolicies.unavailable(), Path.of("/bin/launcher"));
    }

    static SandboxConfig unconfined(String name) {
        SandboxConfig d = SandboxConfig.defaults(name, List.of("/bin/true"));
        return new SandboxConfig(name, d.command(), d.env(), "/", d.rootfs(), List.of(), d.resources(), 0, 0, false,
                d.network(), SandboxConfig.Seccomp.UNCONFINED, SandboxConfig.Landlock.DISABLED, d.capabilitiesAdd(), 0);
    }

    @Test
    void launchRecordsMonitorAndInitWithStartTimes() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRecord r = runtime(k).launch(unconfined("a"));
        assertThat(r.monitorPid()).isEqualTo(4000);
        assertThat(r.initPid()).isEqualTo(4242);
        assertThat(r.initStartTime()).isEqualTo(2);
        assertThat(runtime(k).inspect("a").state()).isEqualTo(SandboxInfo.State.Running);
        assertThat(new String(k.lastPlan, StandardCharsets.UTF_8)).contains("arg 9\n/bin/true\n");
    }

    @Test
    void theStateFileIsOnDiskBeforeTheExecIsReported() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRuntime rt = runtime(k);
        List<SandboxRecord> seen = new java.util.ArrayList<>();
        k.statesAtOk = ok -> {
            try {
                seen.add(rt.read("early"));
            } catch (java.io.IOException e) {
                throw new IllegalStateException("no state file when the launcher reported the exec", e);
            }
        };
        SandboxRecord r = rt.launch(unconfined("early"));
        assertThat(seen).singleElement().satisfies(onDisk -> {
            assertThat(onDisk.monitorPid()).isEqualTo(r.monitorPid()).isEqualTo(4000);
            assertThat(onDisk.monitorStartTime()).isEqualTo(r.monitorStartTime()).isEqualTo(1);
            assertThat(onDisk.initPid()).isEqualTo(r.initPid()).isEqualTo(4242);
            assertThat(onDisk.initStartTime()).isEqualTo(r.initStartTime()).isEqualTo(2);
            assertThat(onDisk.createdAtMillis()).isEqualTo(r.createdAtMillis());
        });
    }

    @Test
    void theFirstRecordIsVisibleBeforeItsFsyncAndARestartWaitsForItBeforeReplacingIt() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        List<Runnable> queued = new java.util.ArrayList<>();  // a syncer that never runs anything by itself
        SandboxRuntime rt = new SandboxRuntime(new StateDirectory(root), k, SandboxPolicies.unavailable(),
                Path.of("/bin/launcher"), queued::add);
        SandboxConfig c = unconfined("d");
        SandboxRecord r = rt.launch(c);
        assertThat(queued).hasSize(1);
        java.util.concurrent.Future<?> fsync = (java.util.concurrent.Future<?>) queued.get(0);
        assertThat(fsync.isDone()).as("launch returned before the fsync ran").isFalse();
        SandboxRecord onDisk = rt.read("d");  // yet every reader on this kernel sees the whole record
        assertThat(List.of(onDisk.monitorPid(), onDisk.monitorStartTime(), onDisk.initPid(), onDisk.initStartTime(), onDisk.createdAtMillis()))
                .containsExactly(r.monitorPid(), r.monitorStartTime(), r.initPid(), r.initStartTime(), r.createdAtMillis());
        assertThat(onDisk.isolation()).hasSameSizeAs(r.isolation());
        assertThat(root.resolve("sandboxes/d/state.json.tmp")).doesNotExist();

        k.startTimes.clear();  // the run ended; a restart replaces the record, so the first one goes to disk first
        AtomicFiles.write(root.resolve("sandboxes/d/exit-status"), "exitCode=0\nsignal=0\nreason=\n".getBytes());
        assertThat(rt.relaunch(c).restartCount()).isEqualTo(1);
        assertThat(fsync.isDone()).isTrue();
        assertThat(queued).as("a replacement is written durably in place (fsync before rename), not queued").hasSize(1);

        rt.launch(unconfined("e"));
        java.util.concurrent.Future<?> second = (java.util.concurrent.Future<?>) queued.get(1);
        rt.close();
        assertThat(second.isDone()).as("close waits until every published record is durable").isTrue();
    }

    @Test
    void aRestoredSandboxsRecordIsVisibleBeforeItsFsyncAndADiscardedRestoreWaitsForItBeforeDeleting() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        k.failBeforeStart = true;  // the restore mode's first line is criu's outcome
        k.launcherProcess = new ProcessBuilder("sleep", "60").start();  // stands in for the restore monitor
        List<Runnable> queued = new java.util.ArrayList<>();  // a syncer that never runs anything by itself
        try {
            SandboxRuntime rt = new SandboxRuntime(new StateDirectory(root), k, SandboxPolicies.unavailable(),
                    Path.of("/bin/launcher"), queued::add);
            rt.stateDirectory().create("r");
            SandboxRecord r = rt.startRestored("r", new RestoredLaunch(List.of("criu", "restore"), List.of(),
                    List.of(), root.resolve("criu.pid"), 5, List.of("/bin/sh"), java.util.Map.of()));
            assertThat(queued).as("the record's fsync is queued, not on the restore's path").hasSize(1);
            java.util.concurrent.Future<?> fsync = (java.util.concurrent.Future<?>) queued.get(0);
            assertThat(fsync.isDone()).isFalse();
            assertThat(rt.read("r").initPid()).isEqualTo(r.initPid()).isEqualTo(4242);
            assertThat(r.monitorPid()).isEqualTo(k.launcherProcess.pid());

            rt.removeFailed("r");
            assertThat(fsync.isDone()).as("the fsync ran before its directory was deleted").isTrue();
            assertThat(rt.stateDirectory().exists("r")).isFalse();
            rt.close();  // a discarded restore is not a record that failed to become durable
        } finally {
            k.launcherProcess.destroyForcibly();
        }
    }

    @Test
    void rmWaitsForTheMonitorToExitAfterItRecordedTheStatusAndKillsOneThatStays() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRuntime rt = runtime(k);
        rt.launch(unconfined("m"));
        AtomicFiles.write(root.resolve("sandboxes/m/exit-status"), "exitCode=0\nsignal=0\nreason=\n".getBytes());
        int[] polls = {0};
        k.beforeStartTime = pid -> {
            if (pid == 4000 && ++polls[0] == 6) {
                k.startTimes.remove(4000L);  // the monitor exits a moment after its status was on disk
            }
        };
        rt.remove("m");
        assertThat(k.calls).as("a monitor that exits by itself is waited for, not killed").doesNotContain("SIGKILL 4000");
        assertThat(polls[0]).isGreaterThanOrEqualTo(6);

        rt.launch(unconfined("n"));  // this monitor never exits by itself
        AtomicFiles.write(root.resolve("sandboxes/n/exit-status"), "exitCode=0\nsignal=0\nreason=\n".getBytes());
        k.beforeStartTime = pid -> { };
        rt.remove("n");
        assertThat(k.calls).contains("SIGKILL 4000");
        assertThat(root.resolve("sandboxes/n")).doesNotExist();
    }

    @Test
    void anEmptyOrTornStateFileIsRefusedAndNeverAdopted() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRuntime rt = runtime(k);
        rt.launch(unconfined("t"));
        rt.awaitDurable("t");
        assertThat(rt.adopt()).containsExactly("t");
        Path file = root.resolve("sandboxes/t/state.json");
        byte[] whole = Files.readAllBytes(file);
        // What a power loss before the first fsync finished can leave: the name with no data, or part of it.
        Files.write(file, new byte[0]);
        assertThatThrownBy(() -> rt.inspect("t")).isInstanceOf(dev.nucleus.agent.state.RefusedStateException.class)
                .hasMessageContaining("state.json is refused: empty");
        assertThat(rt.adopt()).isEmpty();
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length / 2));
        assertThatThrownBy(() -> rt.read("t")).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("state.json is refused: not a complete record");
        assertThat(rt.adopt()).isEmpty();
        Files.write(file, "null".getBytes());
        assertThatThrownBy(() -> rt.read("t")).hasMessageContaining("refused");
        Files.write(file, whole);
        assertThat(rt.adopt()).containsExactly("t");
        Files.write(file, java.util.Arrays.copyOf(whole, 7));
        rt.remove("t");  // rm still cleans a refused record up
        assertThat(root.resolve("sandboxes/t")).doesNotExist();
    }

    @Test
    void aFailureBeforeTheInitStartedLeavesNoDirectory() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        k.failBeforeStart = true;
        k.nextReport = "fail\tcgroups\twrite\t13\t/sys/fs/cgroup/x/cgroup.procs";
        assertThatThrownBy(() -> runtime(k).launch(unconfined("c0"))).isInstanceOf(LaunchException.class)
                .extracting(e -> ((LaunchException) e).reason()).isEqualTo("CgroupJoinFailed");
        assertThat(new StateDirectory(root).exists("c0")).isFalse();
    }

    @Test
    void failureReportBecomesAPreciseReasonAndLeavesNoDirectory() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        k.nextReport = "fail\texec\texecve\t2\t/bin/nope";
        assertThatThrownBy(() -> runtime(k).launch(unconfined("b"))).isInstanceOf(LaunchException.class)
                .hasMessage("launcher step 'exec' failed: execve(/bin/nope): ENOENT (no such file or directory)")
                .extracting(e -> ((LaunchException) e).reason()).isEqualTo("ExecFailed");
        assertThat(new StateDirectory(root).exists("b")).isFalse();
    }

    @Test
    void userNamespacedSandboxesGetDisjointRangesThatRmAndFailedLaunchesFree() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRuntime rt = runtime(k);
        // s0 and s105 hashed to the same range under the old CRC32 scheme; ranges are now allocated, not derived
        rt.launch(userNamespaced("s0"));
        assertThat(new String(k.lastPlan, StandardCharsets.UTF_8)).contains("uidmap 16\n0 1048576 65536\n");
        rt.launch(userNamespaced("s105"));
        assertThat(new String(k.lastPlan, StandardCharsets.UTF_8)).contains("uidmap 16\n0 1114112 65536\n");
        k.nextReport = "fail\texec\texecve\t2\t/bin/nope";
        assertThatThrownBy(() -> rt.launch(userNamespaced("broken"))).isInstanceOf(LaunchException.class);
        assertThat(rt.hostIdRange("broken")).isEmpty();
        k.nextReport = "ok\t4242";
        assertThat(rt.hostIdRange("s0")).hasValue(1 << 20);
        k.startTimes.remove(4000L);  // its monitor is gone: rm has nothing to stop
        rt.remove("s0");
        assertThat(rt.hostIdRange("s0")).isEmpty();
        rt.launch(userNamespaced("s2"));
        assertThat(rt.hostIdRange("s2")).as("the lowest free range is reused").hasValue(1 << 20);
    }

    private static SandboxConfig userNamespaced(String name) {
        SandboxConfig d = unconfined(name);
        return new SandboxConfig(name, d.command(), d.env(), "/", d.rootfs(), List.of(), d.resources(), 0, 0, true,
                d.network(), d.seccomp(), d.landlock(), d.capabilitiesAdd(), 0);
    }


    @Test
    void requestedLayersWithoutAnEngineFailClosed() {
        FakeKernel k = FakeKernel.debianHost();
        assertThatThrownBy(() -> runtime(k).launch(SandboxConfig.defaults("c", List.of("/bin/true"))))
                .extracting(e -> ((LaunchException) e).reason()).isEqualTo("SeccompUnavailable");
        assertThat(k.calls).isEmpty();
    }

    @Test
    void stopSignalsTheMonitorThenKillsTheVerifiedInit() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRuntime rt = runtime(k);
        rt.launch(unconfined("d"));
        // the init exits only when killed: the fake writes the status the real monitor would write
        k.calls.clear();
        Thread t = new Thread(() -> {
            try {
                while (!k.calls.contains("SIGKILL 4242")) {
                    Thread.sleep(5);
                }
                AtomicFiles.write(root.resolve("sandboxes/d/exit-status"), "exitCode=-1\nsignal=9\nreason=\n".getBytes());
                k.startTimes.clear();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        ExitStatus s = rt.stop("d", Duration.ofMillis(50)).orElseThrow();
        t.join();
        assertThat(k.calls).containsExactly("SIGTERM 4000", "SIGKILL 4242");
        assertThat(s.signal()).isEqualTo(9);
        assertThat(s.reason()).isEqualTo(ExitStatus.SIGNALED);
    }

    @Test
    void aZeroGracePeriodKillsWithoutASigtermTheWorkloadCouldRace() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRuntime rt = runtime(k);
        rt.launch(unconfined("z"));
        k.calls.clear();
        Thread t = new Thread(() -> {
            try {
                while (!k.calls.contains("SIGKILL 4242")) {
                    Thread.sleep(5);
                }
                AtomicFiles.write(root.resolve("sandboxes/z/exit-status"), "exitCode=-1\nsignal=9\nreason=\n".getBytes());
                k.startTimes.clear();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        t.start();
        assertThat(rt.stop("z", Duration.ZERO).orElseThrow().signal()).isEqualTo(9);
        t.join();
        assertThat(k.calls).containsExactly("SIGKILL 4242");
    }

    @Test
    void relaunchNeedsAnEndedRunCountsRestartsAndIsRefusedAfterAStop() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRuntime rt = runtime(k);
        SandboxConfig c = unconfined("r");
        rt.launch(c);
        assertThatThrownBy(() -> rt.relaunch(c)).extracting(e -> ((LaunchException) e).reason()).isEqualTo("StillRunning");
        k.startTimes.clear();  // the run ended: its monitor is gone and wrote its status
        AtomicFiles.write(root.resolve("sandboxes/r/exit-status"), "exitCode=1\nsignal=0\nreason=\n".getBytes());
        assertThat(rt.relaunch(c).restartCount()).isEqualTo(1);
        assertThat(rt.exitStatus("r")).as("the previous run's status is gone").isEmpty();
        assertThat(rt.inspect("r").record().restartCount()).isEqualTo(1);
        k.startTimes.clear();
        AtomicFiles.write(root.resolve("sandboxes/r/exit-status"), "exitCode=1\nsignal=0\nreason=\n".getBytes());
        rt.stop("r", Duration.ofSeconds(1));  // nothing runs, but the request is recorded
        assertThat(rt.stopRequested("r")).isTrue();
        assertThatThrownBy(() -> rt.relaunch(c)).extracting(e -> ((LaunchException) e).reason()).isEqualTo("StopRequested");
    }

    @Test
    void aSymlinkPlantedAsTheStopMarkerIsRefusedNotFollowed() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRuntime rt = runtime(k);
        rt.launch(unconfined("m"));
        Path victim = Files.writeString(root.resolve("victim"), "precious");
        Files.createSymbolicLink(root.resolve("sandboxes/m/stop-requested"), victim);
        assertThatThrownBy(() -> rt.stop("m", Duration.ofSeconds(1))).isInstanceOf(dev.nucleus.agent.state.SymlinkRefusedException.class);
        assertThat(Files.readString(victim)).isEqualTo("precious");
        assertThat(k.calls).as("nothing was signalled").doesNotContain("SIGTERM 4000");
    }

    @Test
    void aMonitorThatRecordsItsStatusAndExitsWhileInspectedIsExitedNotLost() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRuntime rt = runtime(k);
        rt.launch(unconfined("x"));
        k.beforeStartTime = pid -> {  // between the runtime's look at the status file and its liveness check
            if (pid == 4000L && k.startTimes.remove(4000L) != null) {
                try {
                    AtomicFiles.write(root.resolve("sandboxes/x/exit-status"), "exitCode=7\nsignal=0\nreason=\n".getBytes());
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        SandboxInfo info = rt.inspect("x");
        assertThat(info.state()).isEqualTo(SandboxInfo.State.Exited);
        assertThat(info.exit().orElseThrow().exitCode()).isEqualTo(7);
    }

    @Test
    void aRecycledPidIsNeverSignalled() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRuntime rt = runtime(k);
        rt.launch(unconfined("e"));
        k.startTimes.put(4000L, 999L);  // same pid, different process
        k.calls.clear();
        assertThat(rt.inspect("e").state()).isEqualTo(SandboxInfo.State.Lost);
        rt.stop("e", Duration.ZERO);
        assertThat(k.calls).isEmpty();
        assertThat(rt.adopt()).isEmpty();
    }

    @Test
    void removeDeletesTheStateDirectory() throws Exception {
        FakeKernel k = FakeKernel.debianHost();
        SandboxRuntime rt = runtime(k);
        rt.launch(unconfined("f"));
        k.startTimes.clear();
        rt.remove("f");
        assertThat(Files.exists(root.resolve("sandboxes/f"))).isFalse();
    }
}
