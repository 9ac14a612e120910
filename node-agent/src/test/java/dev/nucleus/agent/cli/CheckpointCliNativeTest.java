package dev.nucleus.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** nucleus checkpoint / restore end to end on the real kernel and real CRIU (root, scripts/install-criu.sh). */
class CheckpointCliNativeTest {

    private static final String COUNTER = "i=0; while true; do i=$((i+1)); echo $i > /data/count.tmp; "
            + "mv -f /data/count.tmp /data/count; echo $i; sleep 0.05; done";

    /** Counts until /data/stop exists, then exits with code 7 by itself. */
    private static final String COUNT_UNTIL_STOP = "i=0; while [ ! -e /data/stop ]; do i=$((i+1)); "
            + "echo $i > /data/count.tmp; mv -f /data/count.tmp /data/count; echo $i; sleep 0.05; done; exit 7";

    @TempDir
    Path tmp;

    CliResult nucleus(String... args) {
        return CliResult.run(tmp.resolve("state"), args);
    }

    @AfterEach
    void removeSandboxes() throws Exception {
        CliResult.removeAll(tmp.resolve("state"));
    }

    private static long read(Path count) throws Exception {
        return Files.exists(count) ? Long.parseLong(Files.readString(count).trim()) : 0;
    }

    private static long await(Path count, LongPredicate done) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        long v = read(count);
        while (!done.test(v)) {
            assertThat(System.nanoTime()).as("counter never reached the expected value; last " + v).isLessThan(deadline);
            Thread.sleep(50);
            v = read(count);
        }
        return v;
    }

    @Test
    void aCheckpointedCounterStopsAndItsRestoreCountsOnUntilRmKillsIt() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        Path count = data.resolve("count");
        CliResult run = nucleus("run", "-d", "--name", "counter", "--memory", "64Mi", "--pids", "64",
                "-v", data + ":/data:rw", "--", "/bin/sh", "-c", COUNTER);
        assertThat(run.code()).as(run.err()).isZero();
        await(count, v -> v >= 20);

        CliResult ckpt = nucleus("checkpoint", "counter", "--output", tmp.resolve("ckpt").toString());
        assertThat(ckpt.code()).as(ckpt.err()).isZero();
        assertThat(ckpt.out().trim()).isEqualTo(tmp.resolve("ckpt").toString());
        assertThat(tmp.resolve("ckpt/images/pstree.img")).isRegularFile();
        assertThat(Files.getPosixFilePermissions(tmp.resolve("state/checkpoint.key")))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        long atDump = read(count);
        Thread.sleep(300);
        assertThat(read(count)).as("the dumped sandbox stopped").isEqualTo(atDump);
        assertThat(nucleus("ps").out()).containsPattern("counter\\s+Exited");

        // Default Landlock (its own network, so no abstract-socket scope): dumpable, and the loss must be accepted.
        CliResult refused = nucleus("restore", tmp.resolve("ckpt").toString(), "--name", "counter-r");
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).startsWith("nucleus: LandlockRestoreRefused");
        CliResult restore = nucleus("restore", tmp.resolve("ckpt").toString(), "--name", "counter-r",
                "--accept-landlock-loss");
        assertThat(restore.code()).as(restore.err()).isZero();
        String[] nameAndPid = restore.out().trim().split(" ");
        assertThat(nameAndPid[0]).isEqualTo("counter-r");
        long pid = Long.parseLong(nameAndPid[1]);
        assertThat(Path.of("/proc/" + pid)).exists();
        await(count, v -> v > atDump + 10);
        String firstLogged = nucleus("logs", "counter-r").out().lines().findFirst().orElseThrow().trim();
        // The dump may freeze it between writing the count file and echoing the number: equal is fine.
        assertThat(Long.parseLong(firstLogged))
                .as("continues from the dump, not from zero").isGreaterThanOrEqualTo(atDump);
        assertThat(nucleus("ps").out()).containsPattern("counter-r\\s+Running\\s+" + pid);
        assertThat(Files.readString(Path.of("/proc/" + pid + "/cgroup"))).contains("counter-r");
        assertThat(nucleus("inspect", "counter-r").out()).contains("\"isolationReason\" : \"LandlockNotRestored\"");

        CliResult stop = nucleus("stop", "-t", "0", "counter-r");
        assertThat(stop.code()).as(stop.err()).isZero();
        // SIGTERM forwarded by the init, or the cgroup kill right after it (-t 0), whichever reaches the shell first.
        assertThat(stop.out()).matches("counter-r: Signaled \\((137|143)\\)\n");
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("stop killed it").isFalse();
        assertThat(nucleus("ps").out()).containsPattern("counter-r\\s+Exited");
        CliResult rm = nucleus("rm", "counter-r");
        assertThat(rm.code()).as(rm.err()).isZero();
        long afterRm = read(count);
        Thread.sleep(300);
        assertThat(read(count)).isEqualTo(afterRm);
        assertThat(tmp.resolve("state/sandboxes/counter-r")).doesNotExist();
    }

    @Test
    void aRestoredSandboxIsMonitoredCheckpointsAgainAndItsOwnExitCodeIsRecorded() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        Path count = data.resolve("count");
        CliResult run = nucleus("run", "-d", "--name", "gen0", "--memory", "64Mi", "--no-landlock",
                "-v", data + ":/data:rw", "--", "/bin/sh", "-c", COUNT_UNTIL_STOP);
        assertThat(run.code()).as(run.err()).isZero();
        await(count, v -> v >= 10);
        assertThat(nucleus("checkpoint", "gen0", "--output", tmp.resolve("ckpt1").toString()).code()).isZero();
        long atFirstDump = read(count);
        CliResult first = nucleus("restore", tmp.resolve("ckpt1").toString(), "--name", "gen1");
        assertThat(first.code()).as(first.err()).isZero();
        long gen1Pid = Long.parseLong(first.out().trim().split(" ")[1]);
        assertThat(ProcessHandle.of(gen1Pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid).orElseThrow())
                .as("the restored init is the child of its monitor, not an orphan")
                .isEqualTo(monitorPid("gen1"));
        await(count, v -> v > atFirstDump + 5);

        // The restored sandbox is checkpointed again (it stops; its monitor records the kill) and restored again.
        CliResult again = nucleus("checkpoint", "gen1", "--output", tmp.resolve("ckpt2").toString());
        assertThat(again.code()).as(again.err()).isZero();
        long atSecondDump = read(count);
        CliResult second = nucleus("restore", tmp.resolve("ckpt2").toString(), "--name", "gen2");
        assertThat(second.code()).as(second.err()).isZero();
        await(count, v -> v > atSecondDump + 5);
        assertThat(nucleus("ps").out()).containsPattern("gen1\\s+Exited\\s+" + gen1Pid + "\\s+137 Signaled");
        String firstLogged = nucleus("logs", "gen2").out().lines().findFirst().orElseThrow().trim();
        // The dump may freeze it between writing the count file and echoing the number: equal is fine.
        assertThat(Long.parseLong(firstLogged))
                .as("the second restore continues the count").isGreaterThanOrEqualTo(atSecondDump);

        // It ends by itself: the monitor records exit code 7, and logs -f ends.
        Files.writeString(data.resolve("stop"), "");
        CliResult follow = nucleus("logs", "-f", "gen2");
        assertThat(follow.out()).contains(Long.toString(atSecondDump + 1));
        assertThat(nucleus("ps").out()).containsPattern("gen2\\s+Exited\\s+\\d+\\s+7 Error");
        assertThat(tmp.resolve("state/sandboxes/gen2/exit-status")).exists();
    }

    private long monitorPid(String name) throws Exception {
        String inspect = nucleus("inspect", name).out();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"monitorPid\"\\s*:\\s*(\\d+)").matcher(inspect);
        assertThat(m.find()).as(inspect).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void aLandlockScopedSandboxIsRefusedBeforeCriuRunsAndKeepsRunning() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("ll-data"));
        Path count = data.resolve("count");
        assertThat(nucleus("run", "-d", "--name", "ll", "--network", "host", "-v", data + ":/data:rw", "--landlock-rw", "/data", "--",
                "/bin/sh", "-c", COUNTER).code()).isZero();
        await(count, v -> v >= 5);
        CliResult refused = nucleus("checkpoint", "ll", "--output", tmp.resolve("ll-ckpt").toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).startsWith("nucleus: LandlockBlocksDump: sandbox ll runs in a Landlock domain")
                .contains("--no-landlock");
        assertThat(refused.err().lines().count()).isEqualTo(1);
        assertThat(tmp.resolve("ll-ckpt")).doesNotExist();
        long before = Long.parseLong(Files.readString(count).trim());
        await(count, v -> v > before + 3);
        assertThat(nucleus("ps").out()).containsPattern("ll\\s+Running");
    }

    @Test
    void badInputIsRefusedWithOneLineAndTheSandboxKeepsRunning() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        Path count = data.resolve("count");
        CliResult missing = nucleus("checkpoint", "nosuch", "--output", tmp.resolve("x").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).isEqualTo("nucleus: InvalidRequest: no sandbox named nosuch (see: nucleus ps)\n");
        assertThat(tmp.resolve("x")).doesNotExist();

        CliResult c2 = nucleus("run", "-d", "--name", "c2", "--no-landlock", "-v", data + ":/data:rw", "--",
                "/bin/sh", "-c", COUNTER);
        assertThat(c2.code()).as(c2.err()).isZero();
        await(count, v -> v >= 5);
        Files.createDirectories(tmp.resolve("full"));
        Files.writeString(tmp.resolve("full/keep"), "mine");
        CliResult full = nucleus("checkpoint", "c2", "--output", tmp.resolve("full").toString());
        assertThat(full.code()).isEqualTo(2);
        assertThat(full.err()).startsWith("nucleus: OutputNotEmpty: ").hasLineCount(1);
        assertThat(tmp.resolve("full/keep")).hasContent("mine");
        long now = read(count);
        await(count, v -> v > now + 5);

        assertThat(nucleus("checkpoint", "c2", "--leave-running", "--output", tmp.resolve("ckpt").toString()).code())
                .isZero();
        long after = read(count);
        await(count, v -> v > after + 5);
        assertThat(nucleus("stop", "-t", "0", "c2").code()).isZero();
        CliResult stopped = nucleus("checkpoint", "c2", "--output", tmp.resolve("y").toString());
        assertThat(stopped.code()).isEqualTo(2);
        assertThat(stopped.err()).isEqualTo("nucleus: NotRunning: sandbox c2 is Exited, not Running\n");

        Path pages;
        try (var files = Files.list(tmp.resolve("ckpt/images"))) {
            pages = files.filter(p -> p.getFileName().toString().startsWith("pages-")).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(pages);
        b[b.length / 2] ^= 0x55;
        Files.write(pages, b);
        CliResult tampered = nucleus("restore", tmp.resolve("ckpt").toString(), "--name", "c2-r");
        assertThat(tampered.code()).as(tampered.err()).isEqualTo(2);
        assertThat(tampered.err()).startsWith("nucleus: DigestMismatch: ").contains(pages.getFileName().toString())
                .hasLineCount(1);
        assertThat(tmp.resolve("state/sandboxes/c2-r")).doesNotExist();
    }
}
