package dev.nucleus.agent.runtime;

import dev.nucleus.agent.rootfs.InvalidMountException;
import dev.nucleus.agent.state.AtomicFiles;
import dev.nucleus.agent.state.SandboxPaths;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A launch that builds its sandbox: the plan on a helper thread while the launching thread creates the cgroups and
 * the launcher starts (the zygote forks it, or this JVM spawns it), the record written while the launcher sets the
 * sandbox up, and "ok" once the workload was exec'd.
 */
final class ColdLaunch {

    /** Compact: a third of the pretty-printed size and a quarter of the time; `nucleus inspect` is the readable view. */
    private final SandboxPolicies policies;
    private final Kernel kernel;
    private final Path launcher;
    private final LaunchPlanning planner;
    private final ExecutorService helper;
    private final Executor syncer;

    ColdLaunch(SandboxPolicies policies, Kernel kernel, Path launcher, LaunchPlanning planner, ExecutorService helper,
               Executor syncer) {
        this.policies = policies;
        this.kernel = kernel;
        this.launcher = launcher;
        this.planner = planner;
        this.helper = helper;
        this.syncer = syncer;
    }

    /**
     * Launches {@code config} into {@code paths}; {@code hostIds} is its user namespace's range (-1: none). On failure
     * the launcher and the cgroups are gone when it throws; the state directory is the caller's.
     */
    Launched start(SandboxConfig config, SandboxPaths paths, int restartCount, long hostIds, LaunchPhases phases)
            throws LaunchException, InvalidMountException, IOException {
        Optional<SandboxPolicies.CgroupHandle> cgroup = Optional.empty();
        Optional<Process> process = Optional.empty();
        Future<LaunchPlanning.Planned> planning = null;
        Kernel.PendingLauncher pending = null;
        AtomicFiles.Pending durable = null;
        try {
            // Three things at once: the plan on a helper thread, the launcher's start (the zygote forks it, or this
            // JVM spawns it; it waits for the plan), and the cgroups here. Independent until the plan is sent.
            planning = helper.submit(() -> planner.plan(config, paths, hostIds));
            pending = kernel.prepareLauncher(launcher, paths.launcherLog());
            cgroup = policies.createCgroup(config.name(), config.resources());
            phases.mark();
            LaunchPlanning.Planned planned = LaunchPlanning.joinPlanning(planning);
            planning = null;
            phases.planThread(planned.nanos());
            List<String> procs = cgroup.map(SandboxPolicies.CgroupHandle::procsFiles).orElse(List.of())
                    .stream().map(Path::toString).toList();
            LaunchPlan plan = planned.plan().withCgroups(procs,
                    cgroup.flatMap(SandboxPolicies.CgroupHandle::v2Directory).map(Path::toString));
            phases.mark();
            byte[] encoded = PlanEncoder.encode(plan);
            phases.mark();
            try (Kernel.LauncherRun run = pending.send(encoded)) {
                process = run.process();
                phases.mark();
                String line = run.nextLine();
                phases.mark();
                process = run.process();  // a forked launcher's handle exists once it said who it is
                StartedReport started = StartedReport.parse(line);
                // Recorded while the init sets itself up (the launcher's mounts, Landlock, seccomp run meanwhile on the
                // other side of the pipe); launch() returns only after the exec and with the state file visible, so an
                // agent that dies after it returned finds the sandbox to adopt. A failure below deletes it again.
                // The launcher read both start times before releasing the init: neither can have exited by then.
                SandboxRecord record = new SandboxRecord(config.name(), config.command(), System.currentTimeMillis(),
                        started.monitorPid(), started.monitorStartTime(), started.initPid(), started.initStartTime(),
                        cgroup.map(SandboxPolicies.CgroupHandle::version).orElse("none"),
                        EffectiveIsolation.describe(config, plan, planned.seccomp(), cgroup.isPresent(), started.bornInCgroup()),
                        restartCount);
                byte[] json = RecordJson.write(record);
                if (restartCount == 0) {
                    // The directory is new, so this is the state file's first version: visible before launch() returns
                    // (an agent that dies from here on finds it in the page cache), durable a moment later.
                    durable = AtomicFiles.publish(paths.stateFile(), json, syncer);
                    phases.durability(durable);
                } else {
                    AtomicFiles.write(paths.stateFile(), json);  // replaces the previous run's record: fsync before rename
                }
                phases.mark();
                String outcome = run.nextLine();
                phases.mark();
                if (!outcome.equals("ok\t" + started.initPid())) {
                    throw LaunchException.fromReport(outcome);
                }
                return new Launched(record, durable, process);
            }
        } catch (LaunchException | InvalidMountException | IOException | RuntimeException e) {
            LaunchPlanning.abandon(planning, pending);
            stopQuietly(process, cgroup);
            PoolMembers.awaitQuietly(durable);  // its fsync must not race the directory's deletion
            throw e;
        }
    }

    private static void stopQuietly(Optional<Process> process, Optional<SandboxPolicies.CgroupHandle> cgroup) {
        try {
            if (process.isPresent() && !process.get().waitFor(5, TimeUnit.SECONDS)) {
                process.get().destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            if (cgroup.isPresent()) {
                cgroup.get().kill();
                cgroup.get().remove();
            }
        } catch (IOException | RuntimeException e) {
            // The launch error is what the caller needs; a leftover cgroup is reaped with the sandbox's rm.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
