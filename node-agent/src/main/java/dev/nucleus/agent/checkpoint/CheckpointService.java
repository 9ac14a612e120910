package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import java.util.regex.Pattern;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;
import dev.nucleus.agent.nativeaccess.NativeAccess;
import dev.nucleus.agent.nativeaccess.NativeAccessException;
import dev.nucleus.agent.state.DirectoryTrees;

/**
 * Checkpoint and restore of one sandbox: checks, the rootfs skeleton, {@code criu dump}/{@code restore}, metadata
 * and the signed manifest, cgroups with the recorded limits. A failure leaves the sandbox running (dump) or nothing
 * behind (restore), and carries a reason plus CRIU's relevant log lines.
 */
public final class CheckpointService {

    public static final String IMAGES = "images";
    /** The sandbox root's own contents (mount points, /etc files); CRIU restores mounts but expects the root there. */
    public static final String ROOTFS_ARCHIVE = "rootfs.tar";
    private static final String STDIO_FILE = "stdio";
    private static final Duration TAR_TIMEOUT = Duration.ofMinutes(5);

    private final CriuRunner criu;
    private final CheckpointKey key;
    private final RestoreCgroups cgroups;
    private final String node;
    private final String version;
    private volatile CriuCheck usable;
    /** Page images of this service's own dumps, unchanged since: a restore of them need not hash them again. */
    private final PageIdentities ownPages = new PageIdentities();

    public CheckpointService(CriuRunner criu, CheckpointKey key, RestoreCgroups cgroups, String node, String version) {
        this.criu = criu;
        this.key = key;
        this.cgroups = cgroups;
        this.node = node;
        this.version = version;
    }

    /** A finished checkpoint: where it is, what it holds, what it cost. */
    public record Checkpoint(Path location, CheckpointMetadata metadata, String digest, long sizeBytes,
            long durationMillis, OptionalLong frozenMicros, Map<String, Long> phaseMillis) {
    }

    /**
     * Where and how to restore: the new sandbox's root directory (created, must not exist or be empty), a work
     * directory for CRIU's log and pidfile, host paths for the recorded volumes by key (missing keys keep the
     * recorded host path), and whether a lost Landlock domain is accepted.
     */
    public record RestoreRequest(Path checkpointDir, String sandboxId, Path root, Path workDir,
            Map<String, String> volumeHostPaths, boolean acceptLandlockLoss) {
    }

    /** A restored sandbox: its new init host PID and what it is isolated by now. */
    public record Restored(long initPid, CheckpointMetadata metadata, String digest, boolean landlockEnforced,
            String isolationReason, RestoreCgroups.Handle cgroup, long durationMillis, Map<String, Long> phaseMillis) {
    }

    /**
     * Page data: what criu copies into the restored tasks' memory without parsing it. These images are hashed while
     * criu restores, behind the restore gate; every other file is verified before criu starts.
     */
    static final Predicate<String> PAGE_DATA = Pattern.compile(IMAGES + "/pages-\\d+\\.img")
            .asMatchPredicate();

    /** Dumps the sandbox's whole process tree into {@code dir}; without {@code leaveRunning} the tree is gone after. */
    public Checkpoint checkpoint(CheckpointTarget t, Path dir, boolean leaveRunning) throws CheckpointException {
        long start = System.nanoTime();
        Phases phases = new Phases();
        requireCriu();
        if (t.usingGvisor()) {
            throw new CheckpointException(Reason.GvisorUnsupported,
                    "sandbox " + t.name() + " runs under gVisor; CRIU checkpoints native sandboxes only");
        }
        long treeBytes = SandboxProcesses.requireDumpable(t.initPid());
        prepareEmptyDirectory(dir);
        phases.mark("checks");
        boolean keep = false;
        CompletableFuture<Described> metadata = null;
        try {
            // Nothing in the metadata comes from the dump: it is made while the root is archived and written with the
            // manifest and signature (one journal commit with theirs; none before or during criu).
            metadata = CompletableFuture.supplyAsync(() -> describe(t));
            Path images = dir.resolve(IMAGES);
            CheckpointFiles.createPrivateDirectory(images);
            Path stdio = dir.resolve(STDIO_FILE);
            Path archive = dir.resolve(ROOTFS_ARCHIVE);
            // Neither is synced here: BulkSync syncs them with the images before the signature.
            CheckpointFiles.writeNew(stdio, SandboxProcesses.stdioPipes(t.initPid()).getBytes(StandardCharsets.US_ASCII));
            archiveRoot(t.initPid(), archive);
            phases.mark("root archive");
            Described m = await(metadata);
            phases.mark("metadata");
            Dumped d = dump(t, dir, leaveRunning, treeBytes);
            CriuResult r = d.result();
            phases.mark("criu dump");
            phases.parallel("criu process", r.elapsed().toMillis());  // spawn to exit, as the raw command is timed
            if (!r.succeeded()) {
                throw criuFailure("checkpoint of " + t.name(), r);
            }
            // From here the images may be the only copy of a stopped sandbox: a failure keeps them (unsigned, so
            // no restore accepts them) for an operator to inspect, instead of deleting them.
            keep = true;
            // It walks the tree as criu left it; metadata.json and the manifest are written by sign() below.
            BulkSync sync = BulkSync.start(dir, CheckpointService::syncFilesystem, BulkSync::nodeDirtyBytes);
            PageIdentities.Before pageFiles = PageIdentities.before(dir, PAGE_DATA);
            CheckpointManifest.Signed signed;
            try {
                signed = CheckpointManifest.sign(dir, key, sync, d.pieces(),
                        Map.of(CheckpointMetadata.FILE_NAME, m.json()));
            } catch (CheckpointException e) {
                saveQuietly(m.metadata(), dir);  // the kept, unsigned directory still says what it holds
                throw e;
            }
            ownPages.remember(signed.digest(), pageFiles);
            phases.mark("hash + sign");
            phases.parallel("page pieces hashed during criu", d.pieceCount());
            phases.parallel("sync (parallel)", sync.millis());
            phases.parallel("synced by syncfs", sync.wholeFilesystem() ? 1 : 0);
            return new Checkpoint(dir, m.metadata(), signed.digest(), signed.sizeBytes(),
                    Duration.ofNanos(System.nanoTime() - start).toMillis(), r.stats().frozenMicros(), phases.snapshot());
        } finally {
            if (!keep) {
                if (metadata != null) {
                    metadata.handle((m, e) -> null).join();
                }
                DirectoryTrees.deleteQuietly(dir);
            }
        }
    }

    private static void syncFilesystem(Path dir) throws IOException {
        try {
            NativeAccess.system().syncFilesystem(dir);
        } catch (NativeAccessException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    /** metadata.json's record and its exact bytes. */
    private record Described(CheckpointMetadata metadata, byte[] json) {
    }

    /** What metadata.json records; checkpoint_at is just before the dump. */
    private Described describe(CheckpointTarget t) {
        CheckpointMetadata m = new CheckpointMetadata(t.sandboxId(), t.name(), t.initPid(), t.command(),
                System.currentTimeMillis() / 1000, version, false, t.rootless(), t.landlock(), node,
                usable.version(), t.limits(), t.volumes(), t.spec());
        try {
            return new Described(m, m.bytes());
        } catch (CheckpointException e) {
            throw new CompletionException(e);
        }
    }

    private static void saveQuietly(CheckpointMetadata m, Path dir) {
        try {
            if (!Files.exists(dir.resolve(CheckpointMetadata.FILE_NAME), LinkOption.NOFOLLOW_LINKS)) {
                m.save(dir);
            }
        } catch (CheckpointException e) {
            // the signing failure is what the caller reports
        }
    }

    private static Described await(CompletableFuture<Described> metadata) throws CheckpointException {
        try {
            return metadata.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof CheckpointException c ? c : new CheckpointException(Reason.IoFailed,
                    "cannot describe the sandbox: " + e.getCause(), e.getCause());
        }
    }

    /** One criu dump: its result and the digests of the page-image pieces hashed while criu wrote them. */
    private record Dumped(CriuResult result, Map<String, List<byte[]>> pieces, int pieceCount) {
    }

    /**
     * criu dump at its default log level; a failure that left the sandbox running is dumped once more at
     * {@link CriuRunner#VERBOSE}, for the full log (and the checkpoint, if the failure was transient).
     */
    private Dumped dump(CheckpointTarget t, Path dir, boolean leaveRunning, long treeBytes) throws CheckpointException {
        Dumped d = followedDump(t, dir, leaveRunning, treeBytes, List.of("--external", "mnt[]"));
        CriuResult r = d.result();
        if (r.succeeded() || r.timedOut() || !SandboxProcesses.isRunning(t.initPid())) {
            return d;
        }
        Path images = dir.resolve(IMAGES);
        DirectoryTrees.deleteQuietly(images);
        CheckpointFiles.createPrivateDirectory(images);
        return followedDump(t, dir, leaveRunning, treeBytes, List.of("--external", "mnt[]", CriuRunner.VERBOSE));
    }

    /**
     * One criu dump, followed while it runs by the hashing of the page images' complete pieces
     * ({@link PageFollower}), each attempt afresh. Nothing is fsync'ed while criu runs: measured, syncing the images
     * as criu closed them slowed criu (its file creations wait for the forced journal commits) by more than it saved.
     */
    private Dumped followedDump(CheckpointTarget t, Path dir, boolean leaveRunning, long treeBytes,
            List<String> args) throws CheckpointException {
        Path images = dir.resolve(IMAGES);
        PageFollower pages = PageFollower.start(dir, images, PAGE_DATA, treeBytes);
        CriuResult r;
        try (pages) {
            r = runCriu(() -> criu.dump(new CriuDump(t.initPid(), images, images.resolve("dump.log"), t.volumes(),
                    leaveRunning, args)));
        }
        return new Dumped(r, pages.digests(), pages.pieces());
    }

    /**
     * Verifies, then restores the checkpoint into a new root with the recorded limits under {@code monitor}, which
     * runs criu and stays the restored sandbox's parent (logs, exit status, like a launched sandbox); all or nothing.
     * Every file criu parses is verified before criu starts; the page images are hashed while criu restores, and
     * the restored tasks are only let go (see {@link RestoreGate}) once they match. Page images of this service's
     * own dumps whose file identity has not changed since are not hashed again ({@link PageIdentities}).
     */
    public Restored restore(RestoreRequest req, RestoreMonitor monitor) throws CheckpointException {
        long start = System.nanoTime();
        Phases phases = new Phases();
        CheckpointManifest.Verified signed = CheckpointManifest.verifyExcept(req.checkpointDir(), key, PAGE_DATA);
        Set<String> unchanged = ownPages.unchanged(req.checkpointDir(), signed.digest(), signed.deferred());
        CheckpointManifest.Verified verified = signed.trusting(unchanged);
        CheckpointMetadata m = CheckpointMetadata.load(req.checkpointDir());
        refuseUnrestorable(m, req);
        requireCriu();
        phases.mark("verify");
        phases.parallel("page images unchanged since this node's dump", unchanged.size());
        PageCheck pages = new PageCheck(verified);
        try {
            return restoreVerified(req, monitor, m, verified.digest(), pages, phases, start, List.of());
        } catch (CheckpointException e) {
            if (e.reason() != Reason.CriuFailed) {
                throw e;
            }
            // Everything of the failed attempt is gone: the same restore once more with criu's full log.
            return restoreVerified(req, monitor, m, verified.digest(), pages, phases, start,
                    List.of(CriuRunner.VERBOSE));
        }
    }

    private Restored restoreVerified(RestoreRequest req, RestoreMonitor monitor, CheckpointMetadata m, String digest,
            PageCheck pages, Phases phases, long start, List<String> criuArgs) throws CheckpointException {
        prepareEmptyDirectory(req.root());
        CheckpointFiles.createPrivateDirectory(req.workDir());
        deleteStale(req.workDir().resolve("restore.pid"));  // a failed first attempt's
        RestoreCgroups.Handle cg = null;
        boolean done = false;
        try (RestoreGate gate = RestoreGate.open(pages.future())) {
            extractRoot(req.checkpointDir().resolve(ROOTFS_ARCHIVE), req.root());
            phases.mark("root");
            cg = cgroups.create(req.sandboxId(), m.resourceLimits());
            phases.mark("cgroups");
            CriuRestore restore = criuRestore(req, m, cg, withVerdict(req, criuArgs));
            pages.start();
            long pid = restoreGated(monitor, restore, m, digest, gate, pages);
            phases.mark("criu restore");
            phases.parallel("pages (parallel)", pages.millis());
            phases.parallel("gate wait", gate.waitedMillis());
            done = true;
            String reason = m.landlock() ? "LandlockNotRestored" : "IsolationEnforced";
            return new Restored(pid, m, digest, false, reason, cg, Duration.ofNanos(System.nanoTime() - start).toMillis(),
                    phases.snapshot());
        } finally {
            if (!done) {
                abortRestore(cg, req.root());
            }
        }
    }

    /**
     * criu under the monitor, with the gate as its post-restore hook. A failed restore with a failed page check
     * is reported as the page check's own failure (DigestMismatch naming the image); a gate that was never opened by criu's hook while criu
     * still succeeded is refused (fail closed: the tasks must not run unverified).
     */
    private long restoreGated(RestoreMonitor monitor, CriuRestore restore, CheckpointMetadata m, String digest,
            RestoreGate gate, PageCheck pages) throws CheckpointException {
        RestoreMonitor.Command c = criu.monitoredRestore(restore, m, digest);
        long pid;
        try {
            pid = monitor.start(new RestoreMonitor.Command(c.criuArgv(), concat(c.criuEnv(), List.of(gate.environment())),
                    c.cgroupProcsFiles(), c.pidFile(), c.criuLog(), c.timeout(), c.metadata(), c.digest()));
        } catch (CheckpointException e) {
            CheckpointException failure = e.criuLog().isEmpty() ? e.withCriuLog(CriuRunner.logTail(restore.logFile())) : e;
            gate.close();
            // A page image that failed its digest explains any criu failure, whether or not criu got as far as
            // asking the gate: report the tampered file, not criu's symptom of it (waits for the check to finish).
            Optional<CheckpointException> refused = pages.failure();
            if (refused.isPresent()) {
                throw refused.get().withCriuLog(failure.criuLog());
            }
            throw failure;
        }
        gate.close();
        if (!gate.released()) {
            throw new CheckpointException(Reason.RestoreUngated, "criu finished the restore of " + m.containerName()
                    + " without the restore gate's release; its tasks are killed", CriuRunner.logTail(restore.logFile()),
                    null);
        }
        return pid;
    }

    private static void refuseUnrestorable(CheckpointMetadata m, RestoreRequest req) throws CheckpointException {
        if (m.usingGvisor()) {
            throw new CheckpointException(Reason.GvisorUnsupported, "checkpoint of a gVisor sandbox cannot be restored by CRIU");
        }
        if (m.landlock() && !req.acceptLandlockLoss()) {
            throw new CheckpointException(Reason.LandlockRestoreRefused, m.containerName()
                    + " ran with Landlock rules and CRIU cannot restore Landlock domains; accept that explicitly to "
                    + "restore it without Landlock");
        }
    }

    /** The dumped init's verdict pipe (third line of {@code stdio}, when recorded) becomes the monitor's new one. */
    private static List<String> withVerdict(RestoreRequest req, List<String> criuArgs) throws CheckpointException {
        String[] pipes = new String(CheckpointFiles.read(req.checkpointDir().resolve(STDIO_FILE), Reason.FileMissing),
                StandardCharsets.US_ASCII).split("\n", -1);
        String verdict = pipes.length > 2 ? pipeId(pipes[2]) : null;
        return verdict == null ? criuArgs
                : concat(criuArgs, List.of("--inherit-fd", "fd[" + RestoreMonitor.VERDICT_FD + "]:" + verdict));
    }

    private static CriuRestore criuRestore(RestoreRequest req, CheckpointMetadata m, RestoreCgroups.Handle cg,
            List<String> criuArgs) throws CheckpointException {
        String[] pipes = new String(CheckpointFiles.read(req.checkpointDir().resolve(STDIO_FILE), Reason.FileMissing),
                StandardCharsets.US_ASCII).split("\n", -1);
        return new CriuRestore(req.checkpointDir().resolve(IMAGES), req.workDir().resolve("restore.log"),
                req.workDir().resolve("restore.pid"), req.root(), remap(m.externalMounts(), req),
                cg == null ? List.of() : cg.procsFiles(),
                new CriuRestore.Stdio(pipeId(pipes[0]), pipes.length > 1 ? pipeId(pipes[1]) : null),
                concat(List.of("--ext-mount-map", "auto"), criuArgs));
    }

    private void requireCriu() throws CheckpointException {
        CriuCheck c = usable;
        if (c == null) {
            c = criu.check();
            if (!c.usable()) {
                throw new CheckpointException(Reason.CriuUnavailable, c.summary());
            }
            usable = c;
        }
    }

    private interface CriuCall {
        CriuResult call() throws IOException;
    }

    private static CriuResult runCriu(CriuCall call) throws CheckpointException {
        try {
            return call.call();
        } catch (IOException e) {
            throw new CheckpointException(Reason.CriuUnavailable, "cannot run criu: " + e.getMessage(), e);
        }
    }

    /** CRIU's failure as a reason: a prlimit refused on a non-root task is NonRootTasks, the rest CriuFailed. */
    static CheckpointException criuFailure(String what, CriuResult r) {
        if (r.timedOut()) {
            return new CheckpointException(Reason.CriuTimedOut, what + " did not finish within the CRIU timeout "
                    + "(killed after " + r.elapsed().toMillis() + " ms)", r.logTail(), null);
        }
        if (r.logTail().stream().anyMatch(l -> l.contains("Can't get rlimit"))) {
            return new CheckpointException(Reason.NonRootTasks, what + " failed: criu could not read the rlimits of "
                    + "tasks running as a non-root host uid (this node's root lacks CAP_SYS_RESOURCE)", r.logTail(), null);
        }
        return new CheckpointException(Reason.CriuFailed, what + " failed: criu exited " + r.exitCode(), r.logTail(),
                null);
    }

    private static List<ExternalMount> remap(List<ExternalMount> recorded, RestoreRequest req) {
        List<ExternalMount> out = new ArrayList<>();
        Map<String, String> paths = req.volumeHostPaths() == null ? Map.of() : req.volumeHostPaths();
        for (ExternalMount m : recorded) {
            out.add(paths.containsKey(m.key()) ? m.withHostPath(paths.get(m.key())) : m);
        }
        return out;
    }

    private static void prepareEmptyDirectory(Path dir) throws CheckpointException {
        CheckpointFiles.createPrivateDirectory(dir);
        try (var entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new CheckpointException(Reason.OutputNotEmpty, dir + " is not empty; refusing to overwrite it");
            }
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    // Only the root mount's own contents: volumes and host binds are CRIU externals, not copied.
    private static void archiveRoot(long pid, Path archive) throws CheckpointException {
        RootArchive.write(pid, archive);
    }

    private static void extractRoot(Path archive, Path root) throws CheckpointException {
        requireRegularFile(archive); // verify refused symlinks already; this keeps tar off anything else
        tar(List.of("tar", "--numeric-owner", "--same-permissions", "-C", root.toString(), "-xf", archive.toString()),
                "extract " + archive);
    }

    private static void requireRegularFile(Path file) throws CheckpointException {
        try {
            if (!Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                    .isRegularFile()) {
                throw new CheckpointException(Reason.SpecialFileRefused, file + " is not a regular file");
            }
        } catch (IOException e) {
            throw new CheckpointException(Reason.FileMissing, file + " is missing: " + e.getMessage(), e);
        }
    }

    private static void tar(List<String> command, String what) throws CheckpointException {
        try {
            Path log = Files.createTempFile("nucleus-tar", ".log");
            try {
                Process p = new ProcessBuilder(command).redirectInput(new java.io.File("/dev/null"))
                        .redirectOutput(log.toFile()).redirectErrorStream(true).start();
                if (!p.waitFor(TAR_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    throw new CheckpointException(Reason.IoFailed, "tar timed out: " + what);
                }
                // tar exits 1 when a file changed while read (a live /tmp); only 2 is fatal.
                if (p.exitValue() > 1) {
                    throw new CheckpointException(Reason.IoFailed, "cannot " + what + ": "
                            + Files.readString(log).strip());
                }
            } finally {
                Files.deleteIfExists(log);
            }
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot " + what + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException(Reason.IoFailed, "interrupted: " + what, e);
        }
    }

    /** Kills whatever was restored (through its cgroups), removes the cgroups and the new root. */
    private static void abortRestore(RestoreCgroups.Handle cg, Path root) {
        if (cg != null) {
            try {
                cg.destroy();
            } catch (RuntimeException e) {
                // the restore error is what the caller needs; a leftover empty cgroup is visible and harmless
            }
        }
        if (root != null && Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            DirectoryTrees.deleteQuietly(root);
        }
    }

    private static void deleteStale(Path file) throws CheckpointException {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot remove " + file + ": " + e.getMessage(), e);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** A recorded pipe id, {@code pipe:[N]}, or null when none was recorded; anything else is refused. */
    private static String pipeId(String s) throws CheckpointException {
        String id = blankToNull(s);
        if (id != null && !id.matches("pipe:\\[\\d{1,19}]")) {
            throw new CheckpointException(Reason.MetadataInvalid, STDIO_FILE + " holds '" + id + "', not a pipe id");
        }
        return id;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
