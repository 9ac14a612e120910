package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;
import dev.nucleus.agent.checkpoint.CheckpointServiceNativeTest.CounterFile;
import dev.nucleus.agent.runtime.ExitStatus;
import dev.nucleus.agent.runtime.SandboxInfo;
import dev.nucleus.agent.runtime.SandboxRecord;

/**
 * Restores under the launcher's restore-monitor mode with real CRIU: the restored sandbox is tracked like a launched
 * one (exit code, stop, logs), and every refused or failed restore leaves no process, cgroup, root or state behind.
 */
class RestoreMonitorNativeTest {

    private static final long MEMORY = 64L << 20;

    @TempDir
    Path tmp;
    LauncherSandboxes sandboxes;
    CheckpointService service;
    CheckpointKey key;

    @BeforeEach
    void setUp() throws Exception {
        sandboxes = new LauncherSandboxes();
        key = LauncherSandboxes.testKey(5);
        service = service(new CriuRunner(CriuConfig.fromEnvironment()));
    }

    private CheckpointService service(CriuRunner criu) {
        return LauncherSandboxes.testService(criu, key, sandboxes.cgroups);
    }

    @AfterEach
    void tearDown() throws Exception {
        sandboxes.close();
    }

    /** A counter that exits with 7 by itself once /data/stop exists, checkpointed (it stops) into tmp/ckpt. */
    private long checkpointedCounter(String name, Path data) throws Exception {
        SandboxRecord r = sandboxes.startCounter(name, data, MEMORY, 7);
        CounterFile counter = new CounterFile(data.resolve("count"));
        counter.await(v -> v >= 10);
        service.checkpoint(new CheckpointTarget(name, name, r.initPid(), r.command(), ResourceLimits.of(MEMORY, 0, 64, null),
                List.of(new ExternalMount("data", "/data", data.toString())),
                new ObjectMapper().readTree("{\"name\":\"" + name + "\"}"), false, false, false), tmp.resolve("ckpt"), false);
        sandboxes.runtime.await(name, Duration.ofSeconds(20)).orElseThrow();
        return counter.read();
    }

    /** A new directory {@code to} with copies of the regular files directly in {@code from}. */
    private static Path copyFiles(Path from, Path to) throws Exception {
        Files.createDirectory(to);
        try (var files = Files.list(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }

    private CheckpointService.Restored restore(CheckpointService s, Path ckpt, String id, Map<String, String> volumes)
            throws Exception {
        return RuntimeRestoreMonitor.restoreInto(s, sandboxes.runtime, id, ckpt, volumes, false);
    }

    @Test
    void theMonitorRecordsTheRestoredSandboxsOwnExitCodeAndAStop() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        String name = "mon-" + ProcessHandle.current().pid();
        long atDump = checkpointedCounter(name, data);
        CounterFile counter = new CounterFile(data.resolve("count"));
        // A volume is not part of the checkpoint: a file the dump found open (the counter's count.tmp, if frozen
        // between its write and its mv) must exist at each restore, and the first restore's mv removes it. The later
        // restores get a copy of the volume as it was at the dump (seen failing: criu's "Can't open file
        // data/count.tmp on restore").
        Path atDumpData = copyFiles(data, tmp.resolve("data-at-dump"));

        CheckpointService.Restored first = restore(service, tmp.resolve("ckpt"), name + "-a", Map.of());
        SandboxRecord rec = sandboxes.runtime.read(name + "-a");
        assertThat(rec.initPid()).isEqualTo(first.initPid());
        assertThat(ProcessHandle.of(first.initPid()).flatMap(ProcessHandle::parent).orElseThrow().pid())
                .as("the restored init was reparented to its monitor").isEqualTo(rec.monitorPid());
        counter.await(v -> v > atDump + 5);
        assertThat(sandboxes.runtime.inspect(name + "-a").state()).isEqualTo(SandboxInfo.State.Running);

        // The same signed checkpoint restores a second time (criu's restore stats go to the work dir, not the images).
        restore(service, tmp.resolve("ckpt"), name + "-b",
                Map.of("data", copyFiles(atDumpData, tmp.resolve("data-b")).toString()));
        // The init forwards the SIGTERM to the shell, or the cgroup kill that follows at once gets there first.
        ExitStatus stopped = sandboxes.runtime.stop(name + "-b", Duration.ZERO).orElseThrow();
        assertThat(stopped.signal()).isIn(9, 15);
        assertThat(stopped.reason()).isEqualTo(ExitStatus.SIGNALED);

        // The workload killed under a live init: the verdict pipe handed over at restore carries its exact status
        // (the init itself exits 137, which without the verdict would be recorded as exit code 137).
        CheckpointService.Restored third = restore(service, tmp.resolve("ckpt"), name + "-c",
                Map.of("data", copyFiles(atDumpData, tmp.resolve("data-c")).toString()));
        ProcessHandle workload = ProcessHandle.of(third.initPid()).orElseThrow().children().findFirst().orElseThrow();
        workload.destroyForcibly();
        ExitStatus killed = sandboxes.runtime.await(name + "-c", Duration.ofSeconds(30)).orElseThrow();
        assertThat(killed.signal()).isEqualTo(9);
        assertThat(killed.exitCode()).isEqualTo(-1);

        Files.writeString(data.resolve("stop"), "");
        ExitStatus own = sandboxes.runtime.await(name + "-a", Duration.ofSeconds(30)).orElseThrow();
        assertThat(own.exitCode()).isEqualTo(7);
        assertThat(own.signal()).isZero();
        assertThat(own.reason()).isEqualTo(ExitStatus.ERROR);
        List<String> logged = Files.readAllLines(sandboxes.runtime.stateDirectory().open(name + "-a").stdoutLog());
        // The dump may freeze it between writing the count file and echoing the number: equal is fine.
        assertThat(Long.parseLong(logged.get(0).trim()))
                .as("the monitor copies the restored output").isGreaterThanOrEqualTo(atDump);
    }

    @Test
    void aCriuFailureInsideTheMonitorLeavesNoProcessCgroupOrRoot() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        String name = "fail-" + ProcessHandle.current().pid();
        checkpointedCounter(name, data);
        String id = name + "-r";
        // The volume's host path is gone: criu fails while mounting, after the cgroups and the root were made.
        assertThatThrownBy(() -> restore(service, tmp.resolve("ckpt"), id, Map.of("data", tmp.resolve("gone").toString())))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.CriuFailed);
                    assertThat(e.getMessage()).contains("launcher step 'restore' failed: criu(exit 1)");
                    assertThat(e.criuLog()).anyMatch(l -> l.contains("Error"));
                });
        assertNothingLeft(id);
    }

    @Test
    void refusedCheckpointsCreateNothing() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        String name = "bad-" + ProcessHandle.current().pid();
        checkpointedCounter(name, data);
        Path pages;
        try (var files = Files.list(tmp.resolve("ckpt/images"))) {
            pages = files.filter(p -> p.getFileName().toString().startsWith("pages-")).findFirst().orElseThrow();
        }
        String pagesName = "images/" + pages.getFileName();
        // Images criu parses are verified before criu starts.
        refused(name + "-t", Reason.DigestMismatch, "images/pstree.img", dir -> flipByte(dir.resolve("images/pstree.img")));
        refused(name + "-p", Reason.DigestMismatch, pagesName, dir -> Files.write(dir.resolve(pagesName), new byte[] {1},
                java.nio.file.StandardOpenOption.APPEND));  // a page image's size is checked up front too
        refused(name + "-s", Reason.SymlinkRefused, pagesName, dir -> symlinkInPlace(dir.resolve(pagesName)));
        refused(name + "-m", Reason.MetadataMissing, "metadata.json", dir -> delete(dir.resolve("metadata.json")));
        refused(name + "-u", Reason.MetadataMissing, "metadata.json", dir -> {
            delete(dir.resolve("metadata.json"));
            resign(dir);  // signed by the right key, yet without metadata
        });
    }

    @Test
    void aTamperedPageImageStopsTheRestoreAtTheGateBeforeAnyRestoredTaskRuns() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        String name = "gate-" + ProcessHandle.current().pid();
        // A counter that, once running, rewrites /data/count within microseconds: any moment of a released task shows.
        SandboxRecord r = sandboxes.startBusyCounter(name, data, MEMORY);
        awaitBusyCount(data.resolve("count"), 1000);
        service.checkpoint(new CheckpointTarget(name, name, r.initPid(), r.command(), ResourceLimits.of(MEMORY, 0, 64, null),
                List.of(new ExternalMount("data", "/data", data.toString())), null, false, false, false),
                tmp.resolve("ckpt"), false);
        sandboxes.runtime.await(name, Duration.ofSeconds(20)).orElseThrow();
        byte[] atDump = Files.readAllBytes(data.resolve("count"));
        Path pages;
        try (var files = Files.list(tmp.resolve("ckpt/images"))) {
            pages = files.filter(p -> p.getFileName().toString().matches("pages-\\d+\\.img"))
                    .max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        flipByte(pages);
        String id = name + "-r";

        assertThatThrownBy(() -> restore(service, tmp.resolve("ckpt"), id, Map.of()))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.DigestMismatch);
                    assertThat(e.apiReason(true)).isEqualTo("CheckpointCorrupt");
                    assertThat(e.getMessage()).contains("images/" + pages.getFileName());
                    // criu did run (the structure images were fine) and was stopped at its post-restore hook.
                    assertThat(e.criuLog()).anyMatch(l -> l.contains("post-restore script"));
                    assertThat(e.criuLog()).anyMatch(l -> l.contains("do not match the signed manifest"));
                });

        assertNothingLeft(id);
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).as("no mount of the restore is left")
                .doesNotContain(id);
        Thread.sleep(500);
        assertThat(Files.readAllBytes(data.resolve("count"))).as("no restored task ever ran").isEqualTo(atDump);

        // The same checkpoint with the byte flipped back restores and counts on: the gate lets a good one through.
        flipByte(pages);
        CheckpointService.Restored good = restore(service, tmp.resolve("ckpt"), name + "-g", Map.of());
        String dumped = new String(atDump, java.nio.charset.StandardCharsets.US_ASCII).trim();  // empty if cut mid-write
        long last = dumped.isEmpty() ? 0 : Long.parseLong(dumped);
        awaitBusyCount(data.resolve("count"), last + 1000);
        assertThat(good.phaseMillis()).containsKeys("verify", "criu restore", "pages (parallel)");
    }

    @Test
    void aPageImageRewrittenAfterTheDumpWithItsSizeAndMtimePutBackIsHashedAgainAndRefused() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        String name = "ident-" + ProcessHandle.current().pid();
        checkpointedCounter(name, data);
        Path atDumpData = copyFiles(data, tmp.resolve("data-at-dump"));
        Path pages;
        try (var files = Files.list(tmp.resolve("ckpt/images"))) {
            pages = files.filter(p -> p.getFileName().toString().matches("pages-\\d+\\.img"))
                    .max(java.util.Comparator.comparingLong(p -> p.toFile().length())).orElseThrow();
        }
        // This node's own checkpoint, unchanged: its page images are trusted by identity (not hashed again).
        CheckpointService.Restored own = restore(service, tmp.resolve("ckpt"), name + "-a", Map.of());
        assertThat(own.phaseMillis().get("page images unchanged since this node's dump")).as("recorded at the dump")
                .isPositive();
        sandboxes.runtime.stop(name + "-a", Duration.ZERO);

        PageIdentities.Identity recorded = PageIdentities.Identity.of(pages);
        try (var ch = java.nio.channels.FileChannel.open(pages, java.nio.file.StandardOpenOption.READ,
                java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
            long at = ch.size() / 2;
            ch.read(b, at);
            b.put(0, (byte) (b.get(0) ^ 0x55));
            ch.write(b.flip(), at);  // in place: same size, same inode
        }
        Files.setLastModifiedTime(pages, java.nio.file.attribute.FileTime.from(recorded.mtimeNanos(),
                java.util.concurrent.TimeUnit.NANOSECONDS));  // utimensat: the mtime put back, only ctime tells
        PageIdentities.Identity now = PageIdentities.Identity.of(pages);
        assertThat(List.of(now.ino(), now.size(), now.mtimeNanos()))
                .isEqualTo(List.of(recorded.ino(), recorded.size(), recorded.mtimeNanos()));
        String id = name + "-b";

        assertThatThrownBy(() -> restore(service, tmp.resolve("ckpt"), id, Map.of("data", atDumpData.toString())))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.DigestMismatch);
                    assertThat(e.getMessage()).contains("images/" + pages.getFileName());
                    assertThat(e.criuLog()).anyMatch(l -> l.contains("post-restore script"));
                });
        assertNothingLeft(id);
    }

    @Test
    void aNodeWhoseCriuBinaryDoesNotRunRefusesTheRestoreBeforeCreatingAnything() throws Exception {
        Path data = Files.createDirectory(tmp.resolve("data"));
        String name = "nocriu-" + ProcessHandle.current().pid();
        checkpointedCounter(name, data);
        Path bogus = tmp.resolve("criu");
        Files.writeString(bogus, "#!/bin/sh\necho 'criu: cannot execute' >&2\nexit 1\n");
        Files.setPosixFilePermissions(bogus, PosixFilePermissions.fromString("rwxr-xr-x"));
        CheckpointService noCriu = service(new CriuRunner(CriuConfig.fromEnvironment()).withBinary(bogus));
        assertThatThrownBy(() -> restore(noCriu, tmp.resolve("ckpt"), name + "-r", Map.of()))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.CriuUnavailable);
                    assertThat(e.getMessage()).contains(bogus + " --version fails");
                });
        assertNothingLeft(name + "-r");
    }

    /** The busy counter truncates its file before each write: an empty read just means "look again". */
    private static void awaitBusyCount(Path file, long atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long v = -1;
        while (System.nanoTime() < deadline) {
            String s = Files.exists(file) ? Files.readString(file).trim() : "";
            v = s.isEmpty() ? v : Long.parseLong(s);
            if (v >= atLeast) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("busy counter at " + v + ", expected at least " + atLeast);
    }

    private void refused(String id, Reason reason, String named, Damage damage) throws Exception {
        Path copy = tmp.resolve("copy-" + id);
        copyTree(tmp.resolve("ckpt"), copy);
        damage.apply(copy);
        assertThatThrownBy(() -> restore(service, copy, id, Map.of())).isInstanceOfSatisfying(CheckpointException.class,
                e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.getMessage()).contains(named);
                    assertThat(e.criuLog()).as("refused before criu ran").isEmpty();
                });
        assertNothingLeft(id);
    }

    private void assertNothingLeft(String id) throws Exception {
        assertThat(sandboxes.runtime.stateDirectory().exists(id)).as("state directory of " + id).isFalse();
        for (Path dir : sandboxes.cgroups.open(id).directories()) {
            assertThat(dir).as("cgroup of " + id).doesNotExist();
        }
        assertThat(ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(Arrays::asList)
                .map(a -> a.toString().contains(id)).orElse(false))).as("no criu of " + id + " is left").isEmpty();
        assertThat(ProcessHandle.current().children().filter(p -> p.info().command().orElse("").contains("nucleus-launcher")))
                .as("no monitor is left").isEmpty();
    }

    /** One way to spoil a copy of a good checkpoint. */
    private interface Damage {
        void apply(Path checkpointDir) throws Exception;
    }

    private static void flipByte(Path file) throws Exception {
        byte[] b = Files.readAllBytes(file);
        b[b.length / 2] ^= 0x55;
        Files.write(file, b);
    }

    private static void symlinkInPlace(Path file) throws Exception {
        Path moved = file.getParent().getParent().resolveSibling(file.getFileName() + ".real");  // outside the tree
        Files.move(file, moved);
        Files.createSymbolicLink(file, moved.toAbsolutePath().normalize());
    }

    private static void delete(Path file) throws Exception {
        Files.delete(file);
    }

    private void resign(Path dir) throws Exception {
        Files.delete(dir.resolve("manifest.sha256"));
        Files.delete(dir.resolve("manifest.sig"));
        CheckpointManifest.sign(dir, key);
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
