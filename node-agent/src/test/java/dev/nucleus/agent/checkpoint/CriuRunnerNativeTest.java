package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nucleus.agent.checkpoint.CriuConfig.FaultInjection;

/** Real CRIU on this machine (scripts/install-criu.sh installs it; the tests need root, as CI runs). */
class CriuRunnerNativeTest {

    @TempDir
    Path dir;

    private final CriuRunner criu = new CriuRunner(CriuConfig.fromEnvironment());

    @Test
    void checkReportsAUsableCriu4() {
        CriuCheck check = criu.check();

        assertThat(check.usable()).as(check.summary()).isTrue();
        assertThat(check.version()).startsWith("4.");
    }

    @Test
    void checkExplainsAMissingBinary() {
        CriuRunner missing = new CriuRunner(CriuConfig.fromEnvironment().withFaultInjection(FaultInjection.OFF))
                .withBinary(dir.resolve("no-criu"));

        CriuCheck check = missing.check();

        assertThat(check.usable()).isFalse();
        assertThat(check.reason()).contains("does not exist", "install-criu.sh");
    }

    @Test
    void dumpAndRestoreARealCounterThatContinuesWhereItStopped() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        try (CounterProcess counter = CounterProcess.start(dir, "")) {
            counter.awaitValue(v -> v >= 20, Duration.ofSeconds(20));

            // -v4: the "Seized task" lines that name the dumped pids are info level.
            CriuResult dump = criu.dump(new CriuDump(counter.pid, images, images.resolve("dump.log"), List.of(),
                    false, List.of(CriuRunner.VERBOSE)));
            assertThat(dump.succeeded()).as("dump: %s %s", dump.output(), dump.logTail()).isTrue();
            assertThat(dump.stats().frozenMicros()).isPresent();
            long atDump = counter.read();
            List<Long> seized = CriuRunner.seizedPids(images.resolve("dump.log"));
            assertThat(seized).contains(counter.pid);
            CounterProcess.awaitAllGone(seized, Duration.ofSeconds(10));
            assertThat(CounterProcess.alive(counter.pid)).as("the dump stops the tree").isFalse();
            Thread.sleep(300);
            assertThat(counter.read()).as("nothing counts while dumped").isEqualTo(atDump);

            Path pidFile = dir.resolve("restored.pid");
            CriuResult restore = criu.restore(new CriuRestore(images, dir.resolve("restore.log"), pidFile, null,
                    List.of(), List.of(), null, List.of()));
            assertThat(restore.succeeded()).as("restore: %s %s", restore.output(), restore.logTail()).isTrue();
            long restoredPid = Long.parseLong(Files.readString(pidFile).trim());
            try {
                assertThat(restoredPid).isEqualTo(counter.pid);
                // Restarted from zero it would read 1, 2, ...; restored it goes on from atDump.
                assertThat(counter.read()).isGreaterThanOrEqualTo(atDump);
                counter.awaitValue(v -> v > atDump + 5, Duration.ofSeconds(20));
            } finally {
                CounterProcess.killTree(restoredPid);
            }
        }
    }

    @Test
    void aFailedDumpReportsTheCriuErrorAndLeavesTheProcessRunning() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        // Not a session leader and no --shell-job: CRIU refuses, and must let the tree run on.
        Process plain = new ProcessBuilder("sleep", "60").redirectInput(new java.io.File("/dev/null"))
                .redirectOutput(new java.io.File("/dev/null")).redirectErrorStream(true).start();
        try {
            CriuResult dump = criu.dump(new CriuDump(plain.pid(), images, images.resolve("dump.log"), List.of(),
                    false, List.of()));

            assertThat(dump.succeeded()).isFalse();
            assertThat(dump.timedOut()).isFalse();
            assertThat(String.join("\n", dump.logTail())).contains("session leader");
            assertThat(plain.isAlive()).isTrue();
        } finally {
            plain.destroyForcibly();
        }
    }

    @Test
    void everyRunIsBoundedByItsTimeoutAndTheWholeTreeIsKilled() throws Exception {
        Path fake = dir.resolve("criu");
        Path childPid = dir.resolve("child.pid");
        Files.writeString(fake, "#!/bin/sh\nsleep 300 & echo $! > " + childPid + "\nwait\n");
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
        CriuRunner hanging = new CriuRunner(new CriuConfig(fake, FaultInjection.OFF, java.util.Map.of(),
                Duration.ofSeconds(1)));

        CriuResult r = hanging.dump(new CriuDump(1, dir, dir.resolve("dump.log"), List.of(), false, List.of()));

        assertThat(r.timedOut()).isTrue();
        assertThat(r.succeeded()).isFalse();
        assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(30));
        long child = Long.parseLong(Files.readString(childPid).trim());
        CounterProcess.awaitGone(child, Duration.ofSeconds(5));
        assertThat(CounterProcess.alive(child)).as("criu's children die with it").isFalse();
    }

    @Test
    void theFaultInjectionProbeMatchesWhatThisMachineNeeds() throws Exception {
        boolean needed = new CriuRunner(CriuConfig.fromEnvironment().withFaultInjection(FaultInjection.AUTO))
                .isFaultInjectionEnabled();
        // Cross-check the probe's verdict with a real dump under the opposite setting.
        CriuRunner without = new CriuRunner(CriuConfig.fromEnvironment().withFaultInjection(FaultInjection.OFF)
                .withTimeout(Duration.ofSeconds(8)));
        Path images = Files.createDirectory(dir.resolve("images"));
        try (CounterProcess counter = CounterProcess.start(dir, "")) {
            counter.awaitValue(v -> v >= 1, Duration.ofSeconds(10));
            CriuResult r = without.dump(new CriuDump(counter.pid, images, images.resolve("dump.log"), List.of(),
                    true, List.of()));
            assertThat(r.succeeded()).as("probe said CRIU_FAULT needed=%s; dump without it: %s", needed, r.logTail())
                    .isEqualTo(!needed);
            if (needed) {
                assertThat(r.timedOut()).isTrue();
                assertThat(String.join("\n", r.logTail())).contains("to trap");
            }
        }
    }

    @Test
    void statsAreParsedFromCriuOutput() {
        CriuStats stats = CriuStats.parse("Displaying dump stats:\nFreezing time: 142 us\nFrozen time: 23245 us\n"
                + "Memory pages written: 62 (0x3e)\nWarn (x): something: 12 more\n");
        assertThat(stats.frozenMicros()).hasValue(23245);
        assertThat(stats.freezingMicros()).hasValue(142);
        assertThat(stats.memoryPagesWritten()).hasValue(62);
        assertThat(stats.restoreMicros()).isEmpty();
    }
}
