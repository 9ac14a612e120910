package dev.nucleus.agent.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nucleus.agent.rootfs.InvalidMountException;
import dev.nucleus.agent.state.AtomicFiles;
import dev.nucleus.agent.state.IdRangeAllocator;
import dev.nucleus.agent.state.IdRangesExhaustedException;
import dev.nucleus.agent.state.RefusedStateException;
import dev.nucleus.agent.state.SandboxPaths;
import dev.nucleus.agent.state.StateDirectory;
import dev.nucleus.agent.state.SymlinkRefusedException;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Lifecycle of sandboxes on this node: launch through the C launcher, wait, stop (grace, then cgroup kill), remove
 * leaving nothing behind, list, inspect, and adopt the sandboxes a previous agent left running.
 */
public final class SandboxRuntime implements AutoCloseable {

    /** Compact: a third of the pretty-printed size and a quarter of the time; `nucleus inspect` is the readable view. */
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MONITOR_EXIT = Duration.ofSeconds(2);
    private static final long POLL_MILLIS = 20;

    private final StateDirectory state;
    private final Kernel kernel;
    private final SandboxPolicies policies;
    private final Path launcher;
    private final IdRangeAllocator idRanges;
    private final LaunchPlanning planner;
    private final Map<String, Process> owned = new ConcurrentHashMap<>();
    /** First records of launches whose fsyncs may still run; joined before a replacement, removal or close. */
    private final Map<String, AtomicFiles.Pending> syncing = new ConcurrentHashMap<>();
    private final Executor syncer;
    /** Computes a launch's plan while the launching thread creates its cgroups. */
    private final ExecutorService helper = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "nucleus-launch-plan");
        t.setDaemon(true);
        return t;
    });
    private volatile Consumer<LaunchPhases> phaseListener = p -> { };
    private final ColdLaunch cold;
    private final WarmPoolControl pool;

    public SandboxRuntime(StateDirectory state, Kernel kernel, SandboxPolicies policies, Path launcher) {
        this(state, kernel, policies, launcher, newSyncer());
    }

    /** With {@code syncer} running the fsyncs of first records (tests pass one that runs nothing by itself). */
    SandboxRuntime(StateDirectory state, Kernel kernel, SandboxPolicies policies, Path launcher,
                   Executor syncer) {
        this.syncer = syncer;
        this.state = state;
        this.idRanges = new IdRangeAllocator(state);
        this.kernel = kernel;
        this.policies = policies;
        this.launcher = launcher;
        this.planner = new LaunchPlanning(policies, kernel, state.root(), launcher);
        this.cold = new ColdLaunch(policies, kernel, launcher, planner, helper, syncer);
        this.pool = new WarmPoolControl(state, kernel, policies, planner, launcher, syncer, helper, () -> {
            java.util.Set<String> members = new java.util.HashSet<>();
            for (String id : state.list()) {
                try {
                    Optional.ofNullable(read(id).poolMember()).ifPresent(members::add);
                } catch (IOException e) {
                    // no record: no member of this sandbox's is safe from a reap
                }
            }
            return members;
        });
    }

    /** A runtime on the real kernel, with the launcher extracted under the state root; this JVM spawns each launcher. */
    public static SandboxRuntime open(Path stateRoot, SandboxPolicies policies) throws IOException {
        return open(stateRoot, policies, false);
    }

    /**
     * A runtime on the real kernel; with {@code zygote} launches fork from a {@link LauncherZygote} (for long-lived
     * callers that launch often: the agent, the benchmark), else this JVM spawns each launcher.
     */
    public static SandboxRuntime open(Path stateRoot, SandboxPolicies policies, boolean zygote) throws IOException {
        StateDirectory state = new StateDirectory(stateRoot);
        Path launcher = LauncherBinary.extract(state.root().resolve("bin"));
        Kernel kernel = zygote ? new LinuxKernel(LauncherZygote.of(launcher, state.root())) : new LinuxKernel();
        return new SandboxRuntime(state, kernel, policies, launcher);
    }

    /**
     * Waits until every state file this runtime published is durable, then stops what it keeps for fast launches
     * (its zygote); the sandboxes run on.
     */
    @Override
    public void close() throws InterruptedException {
        UncheckedIOException failed = null;
        for (String name : List.copyOf(syncing.keySet())) {
            try {
                awaitDurable(name);
            } catch (IOException e) {  // the disk failed a sandbox's record: say so, after the others are on disk
                failed = failed == null ? new UncheckedIOException("state file of " + name + " not durable", e) : failed;
            }
        }
        pool.stop();
        if (syncer instanceof ExecutorService s) {
            s.shutdown();
        }
        helper.shutdown();
        kernel.shutdown();
        if (failed != null) {
            throw failed;
        }
    }

    /**
     * Returns once the state file of {@code name} is on disk: {@link #launch} returns when it is visible to every
     * reader on this kernel, and its fsyncs finish in the background (see docs/security-model.md, "State durability").
     */
    public void awaitDurable(String name) throws IOException {
        AtomicFiles.Pending p = syncing.get(name);
        if (p != null) {
            p.await();
            syncing.remove(name, p);
        }
    }

    /**
     * Keeps {@code size} pre-made sandboxes of {@code shape} ready for launches of that shape (README of the launcher,
     * "Warm pool"; docs/security-model.md); 0 (the default) stops and removes them. Needs the launcher zygote. First
     * removes the members a runtime that is no longer running left behind. The hook the agent uses
     * ({@code nucleus agent --warm-pool N}); a launch of another shape, or one that finds the pool empty, is cold.
     */
    public void enableWarmPool(int size, PoolShape shape) throws IOException, InterruptedException {
        pool.enable(size, shape);
    }

    /** Waits until the warm pool is full (tests, `nucleus bench launch --pool`); false on timeout or without a pool. */
    public boolean awaitWarmPool(Duration timeout) throws InterruptedException {
        return pool.awaitFull(timeout);
    }

    /** What the warm pool did so far; empty without one. */
    public Optional<WarmPoolReport> warmPoolReport() {
        return pool.report();
    }

    /** Receives the step timings of every successful launch (for `nucleus bench launch`). */
    public void onLaunchPhases(Consumer<LaunchPhases> listener) {
        this.phaseListener = listener;
    }

    public StateDirectory stateDirectory() {
        return state;
    }

    /** Launches a sandbox and returns once its workload was exec'd (or throws with the failing step). */
    public SandboxRecord launch(SandboxConfig config) throws LaunchException {
        LaunchPhases phases = new LaunchPhases();
        String name = config.name();
        StateDirectory.checkId(name);
        SandboxPaths paths = createDirectory(name);
        phases.mark();
        Optional<SandboxRecord> claimed = claimMember(config, paths, phases);
        if (claimed.isPresent()) {
            phaseListener.accept(phases);
            return claimed.get();
        }
        phases.cold();
        SandboxRecord record = start(config, paths, 0, phases);
        phaseListener.accept(phases);
        return record;
    }

    /** The sandbox's state directory; mkdir(2) fails on any existing name, a symlink included (never followed). */
    private SandboxPaths createDirectory(String name) throws LaunchException {
        try {
            return state.create(name);
        } catch (FileAlreadyExistsException e) {
            try {
                state.exists(name);  // a symlink planted at the name is reported as what it is
            } catch (IOException refused) {
                throw new LaunchException("StateDirectory", "cannot create the state directory of " + name + ": " + refused.getMessage(), refused);
            }
            throw new LaunchException("AlreadyExists", "sandbox " + name + " already exists; remove it first (nucleus rm " + name + ")");
        } catch (IOException e) {
            throw new LaunchException("StateDirectory", "cannot create the state directory of " + name + ": " + e.getMessage(), e);
        }
    }

    /** A launch from the warm pool, when a member of the spec's shape was claimed. */
    private Optional<SandboxRecord> claimMember(SandboxConfig config, SandboxPaths paths, LaunchPhases phases)
            throws LaunchException {
        try {
            return pool.launch(config, paths, phases).map(l -> adopted(config.name(), l));
        } catch (LaunchException | IOException e) {
            removeFailed(config.name());
            throw e instanceof LaunchException le ? le
                    : new LaunchException("LaunchFailed", "launch of " + config.name() + " failed: " + e.getMessage(), e);
        }
    }

    /** The name of a sandbox's cgroups: its own, or its warm-pool member's (the record says); for usage readers. */
    public String cgroupName(String name) {
        try {
            return read(name).cgroupName();
        } catch (IOException | RuntimeException e) {
            return name;  // no readable record: a cold launch's, or an interrupted one named after the sandbox
        }
    }

    private Optional<SandboxPolicies.CgroupHandle> cgroupOf(String name) {
        return policies.findCgroup(cgroupName(name));
    }

    /**
     * Starts a finished sandbox again with the same state directory: its logs are appended to, a path rootfs keeps
     * its upper layer, its user-namespace range stays, and {@code restartCount} grows by one. Refused while it runs
     * and once stop or rm asked it to end. A failed restart leaves the directory with the failed run's status.
     */
    public SandboxRecord relaunch(SandboxConfig config) throws LaunchException {
        String name = config.name();
        try {
            SandboxPaths paths = state.open(name);
            awaitDurable(name);  // the restart replaces the state file: the first one must be on disk before
            SandboxRecord previous = read(name);
            if (Files.exists(paths.stopRequested(), LinkOption.NOFOLLOW_LINKS)) {
                throw new LaunchException("StopRequested", "sandbox " + name + " was stopped; it is not restarted");
            }
            if (monitorAlive(previous) || exitStatus(name).isEmpty()) {
                throw new LaunchException("StillRunning", "sandbox " + name + " is still running; it can only be restarted once it ended");
            }
            Optional<SandboxPolicies.CgroupHandle> old = cgroupOf(name);
            if (old.isPresent()) {
                old.get().kill();
                old.get().remove();
            }
            owned.remove(name);
            Files.deleteIfExists(paths.rootMount());  // an empty mount point: the mounts died with the old mount namespace
            LaunchPhases phases = new LaunchPhases();
            phases.mark();
            return start(config, paths, previous.restartCount() + 1, phases);
        } catch (IOException e) {
            throw new LaunchException("RestartFailed", "cannot restart " + name + ": " + e.getMessage(), e);
        }
    }

    private SandboxRecord start(SandboxConfig config, SandboxPaths paths, int restartCount, LaunchPhases phases)
            throws LaunchException {
        String name = config.name();
        try {
            long hostIds = config.userNamespace() ? allocateIdRange(name) : -1;
            return adopted(name, cold.start(config, paths, restartCount, hostIds, phases));
        } catch (LaunchException | InvalidMountException | IOException | RuntimeException e) {
            if (restartCount == 0) {
                removeFailed(name);  // a relaunch keeps the sandbox's directory, record and logs
            }
            if (e instanceof LaunchException le) {
                throw le;
            }
            if (e instanceof InvalidMountException im) {
                throw new LaunchException(im.reason(), im.getMessage(), im);
            }
            throw new LaunchException("LaunchFailed", "launch of " + name + " failed: " + e.getMessage(), e);
        }
    }

    /** Keeps what a launch left: its record's pending fsyncs, its monitor's handle. */
    private SandboxRecord adopted(String name, Launched l) {
        if (l.durable() != null) {
            syncing.put(name, l.durable());
        }
        l.monitor().ifPresent(m -> owned.put(name, m));
        return l.record();
    }

    /**
     * Restores into the existing state directory {@code name} through the launcher's restore mode: the launcher runs
     * criu as its child and becomes the restored sandbox's monitor (logs, exit status, signals), exactly as for a
     * launched sandbox. Returns once criu finished; on failure nothing is recorded and the caller cleans up.
     */
    public SandboxRecord startRestored(String name, RestoredLaunch l) throws LaunchException {
        try {
            SandboxPaths paths = state.open(name);
            awaitDurable(name);
            String report;
            Optional<Process> process;
            try (Kernel.LauncherRun run = kernel.startLauncher(launcher,
                    PlanEncoder.encodeRestore(l, paths.stdoutLog(), paths.stderrLog(), paths.exitStatus()),
                    paths.launcherLog())) {
                process = run.process();
                report = run.nextLine();
            }
            if (!report.startsWith("ok\t")) {
                process.ifPresent(this::reap);
                throw LaunchException.fromReport(report);
            }
            long initPid = Long.parseLong(report.substring(3).trim());
            long monitorPid = process.map(Process::pid).orElseThrow(() -> new IllegalStateException("restore without a launcher process"));
            SandboxRecord record = new SandboxRecord(name, l.command(), System.currentTimeMillis(),
                    monitorPid, kernel.startTime(monitorPid).orElse(-1),
                    initPid, kernel.startTime(initPid).orElse(-1), RestoredLaunch.CGROUP_VERSION, l.isolation());
            publishRestored(name, paths, JSON.writeValueAsBytes(record));
            process.ifPresent(p -> owned.put(name, p));
            return record;
        } catch (IOException | RuntimeException e) {
            throw new LaunchException("RestoreFailed", "restore of " + name + " failed: " + e.getMessage(), e);
        }
    }

    /**
     * A restore's directory is new, so its record is a first record: visible now and durable a moment later, as a
     * launch's (docs/security-model.md, "State durability"), instead of an fsync on the restore's critical path. A
     * record already there (not made by this runtime's restores) is replaced the safe way, fsync before rename.
     */
    private void publishRestored(String name, SandboxPaths paths, byte[] json) throws IOException {
        if (Files.exists(paths.stateFile(), LinkOption.NOFOLLOW_LINKS)) {
            AtomicFiles.write(paths.stateFile(), json);
        } else {
            syncing.put(name, AtomicFiles.publish(paths.stateFile(), json, syncer));
        }
    }

    private void reap(Process p) {
        try {
            p.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * A host id range no other sandbox holds: two user namespaces sharing host ids could signal and own each other's
     * files. Allocated after this sandbox's directory exists, so the registry never drops it as stale.
     */
    private long allocateIdRange(String name) throws IOException, LaunchException {
        try {
            return idRanges.allocate(name);
        } catch (IdRangesExhaustedException e) {
            throw new LaunchException("UserNamespaceRangesExhausted", e.getMessage(), e);
        }
    }

    /** The first host id of a user-namespaced sandbox's range, if it holds one. */
    public java.util.OptionalLong hostIdRange(String name) throws IOException {
        return idRanges.lookup(name);
    }

    /** Waits for the sandbox to end, at most {@code timeout}; empty if it is still running then. */
    public Optional<ExitStatus> await(String name, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Process p = owned.get(name);
        if (p != null) {
            p.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
        while (true) {
            Optional<ExitStatus> s = exitStatus(name);
            if (s.isPresent() || System.nanoTime() >= deadline) {
                if (s.isPresent()) {
                    owned.remove(name);
                }
                return s;
            }
            if (!monitorAlive(read(name))) {
                return exitStatus(name);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /**
     * SIGTERM through the monitor (which forwards it to the workload through the sandbox's init), then after {@code grace}
     * kill the whole cgroup and the init. A zero grace period kills at once, without a SIGTERM the workload could race.
     */
    public Optional<ExitStatus> stop(String name, Duration grace) throws IOException, InterruptedException {
        SandboxRecord r = read(name);
        requestStop(name);
        if (monitorAlive(r)) {
            if (!grace.isZero()) {
                kernel.signal(r.monitorPid(), false);
                Optional<ExitStatus> s = await(name, grace);
                if (s.isPresent()) {
                    return s;
                }
            }
            Optional<SandboxPolicies.CgroupHandle> cg = cgroupOf(name);
            if (cg.isPresent()) {
                cg.get().kill();
            }
            // Killing the pid-namespace init makes the kernel kill every process in the namespace.
            if (kernel.sameProcess(r.initPid(), r.initStartTime())) {
                kernel.signal(r.initPid(), true);
            }
        }
        return await(name, Duration.ofSeconds(10));
    }

    /** Stops the sandbox if needed, then removes its cgroups and state directory. */
    public void remove(String name) throws IOException, InterruptedException {
        requestStop(name);
        SandboxRecord r;
        try {
            r = read(name);
        } catch (RefusedStateException e) {
            r = null;  // a torn record names no process to trust; the cgroup kill below ends whatever runs
        }
        if (r != null && monitorAlive(r)) {
            stop(name, Duration.ZERO);
            awaitMonitorGone(r);
        }
        Optional<SandboxPolicies.CgroupHandle> cg = cgroupOf(name);
        if (cg.isPresent()) {
            cg.get().kill();  // waits until the cgroups are empty, so they can be removed
            cg.get().remove();
        }
        owned.remove(name);
        awaitQuietly(name);
        state.delete(name);
        if (idRanges.lookup(name).isPresent()) {
            idRanges.release(name);  // after the directory: its files belong to the range's ids until then
        }
    }

    /**
     * rm leaves no process: the monitor lives outside the sandbox's cgroups and exits on its own just after it
     * recorded the exit status, which is all {@link #stop} waits for; under load that exit can trail by a few ms.
     * A monitor still there after {@link #MONITOR_EXIT} has nothing left to record and is killed (pid and start time).
     */
    private void awaitMonitorGone(SandboxRecord r) throws InterruptedException {
        long deadline = System.nanoTime() + MONITOR_EXIT.toNanos();
        while (kernel.running(r.monitorPid(), r.monitorStartTime())) {
            if (System.nanoTime() >= deadline) {
                kernel.signal(r.monitorPid(), true);
                return;
            }
            Thread.sleep(POLL_MILLIS);
        }
    }

    /** Marks the sandbox as asked to end, before any signal, so a restart supervisor racing with us gives up. */
    private void requestStop(String name) throws IOException {
        Path marker = state.open(name).stopRequested();
        try {
            // An empty flag: O_CREAT|O_EXCL|O_NOFOLLOW 0600 is atomic by itself. No fsync: after a node crash no
            // supervisor is left to read it, and rm should not pay for one.
            Files.newByteChannel(marker, java.util.Set.of(StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))).close();
        } catch (FileAlreadyExistsException e) {
            AtomicFiles.refuseSymlink(marker);  // already requested, unless someone planted a link there
        }
    }

    /** Whether stop or rm asked the sandbox to end. */
    public boolean stopRequested(String name) throws IOException {
        return Files.exists(state.open(name).stopRequested(), LinkOption.NOFOLLOW_LINKS);
    }

    public List<SandboxInfo> list() throws IOException {
        List<SandboxInfo> all = new ArrayList<>();
        for (String id : state.list()) {
            try {
                all.add(inspect(id));
            } catch (IOException e) {
                // A sandbox directory without a readable state file is a launch that never finished; not listable.
                if (e instanceof SymlinkRefusedException) {
                    throw e;
                }
            }
        }
        return all;
    }

    public SandboxInfo inspect(String name) throws IOException {
        SandboxRecord r = read(name);
        Optional<ExitStatus> exit = exitStatus(name);
        if (exit.isEmpty() && monitorAlive(r)) {
            return new SandboxInfo(name, SandboxInfo.State.Running, r, exit);
        }
        // The monitor writes the status file before it exits: one that did both since the first look is Exited.
        exit = exit.isPresent() ? exit : exitStatus(name);
        return new SandboxInfo(name, exit.isPresent() ? SandboxInfo.State.Exited : SandboxInfo.State.Lost, r, exit);
    }

    /** Sandboxes a previous agent launched whose monitor is still the same process (pid and start time match). */
    public List<String> adopt() throws IOException {
        List<String> running = new ArrayList<>();
        for (SandboxInfo i : list()) {
            if (i.state() == SandboxInfo.State.Running) {
                running.add(i.name());
            }
        }
        return running;
    }

    public Optional<ExitStatus> exitStatus(String name) throws IOException {
        Path file = state.open(name).exitStatus();
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            AtomicFiles.refuseSymlink(file);
            return Optional.empty();
        }
        String text = new String(AtomicFiles.read(file), StandardCharsets.UTF_8);
        boolean oom = cgroupOf(name).map(SandboxPolicies.CgroupHandle::oomKilled).orElse(false);
        return Optional.of(ExitStatus.parse(text, oom));
    }

    /**
     * The sandbox's record. An empty or torn file (a power loss before its first fsync finished) is refused with the
     * file named, never read as a sandbox: it is what {@link #awaitDurable} had not yet made durable.
     */
    public SandboxRecord read(String name) throws IOException {
        Path file = state.open(name).stateFile();
        byte[] bytes = AtomicFiles.read(file);
        try {
            SandboxRecord r = JSON.readValue(bytes, SandboxRecord.class);
            if (r == null || r.name() == null) {
                throw new EOFException("no record");
            }
            return r;
        } catch (IOException e) {
            throw new RefusedStateException(file, (bytes.length == 0 ? "empty" : "not a complete record")
                    + " (" + e.getMessage().lines().findFirst().orElse("") + ")", e);
        }
    }

    /** One daemon thread: fsyncs of a journalling filesystem serialize anyway, and a launch burst then shares commits. */
    private static ExecutorService newSyncer() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "nucleus-state-sync");
            t.setDaemon(true);
            return t;
        });
    }

    private boolean monitorAlive(SandboxRecord r) {
        return kernel.sameProcess(r.monitorPid(), r.monitorStartTime());  // a recycled pid is never signalled
    }


    /** Before a directory is deleted: its record's fsync is moot then, and must not race the deletion. */
    private void awaitQuietly(String name) {
        try {
            awaitDurable(name);
        } catch (IOException e) {
            syncing.remove(name);  // the record goes with its directory
        }
    }

    /**
     * Deletes the directory of a launch or restore that failed (its launcher and cgroups were stopped by the launch or
     * the restore itself) and gives back its id range; a published record's fsync is awaited first (it must not race
     * the deletion, and a sandbox that is gone must not fail {@link #close}).
     */
    public void removeFailed(String name) {
        try {
            awaitQuietly(name);
            state.delete(name);
            idRanges.release(name);
        } catch (IOException e) {
            // The launch error is what the caller needs; a leftover directory is visible in `nucleus ps`.
        }
    }
}
