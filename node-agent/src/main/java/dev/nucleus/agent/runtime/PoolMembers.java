package dev.nucleus.agent.runtime;

import dev.nucleus.agent.state.AtomicFiles;
import dev.nucleus.agent.state.SandboxPaths;
import dev.nucleus.agent.state.StateDirectory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes, checks, discards and reaps the warm-pool members of one runtime on this node ({@link WarmPool.Members}).
 * A member's directory is {@code <state>/pool/<owner pid>-<owner start time>-<n>} and its cgroups {@code pool.<same>}
 * (not a sandbox name), so a later runtime can tell whose members are left over and remove them ({@link #reap}).
 * A member's plan is the cold launch's plan of {@link PoolShape#template}, computed by the same code.
 */
final class PoolMembers implements WarmPool.Members<PoolMember> {

    private static final AtomicInteger SEQ = new AtomicInteger();

    private final StateDirectory state;
    private final Kernel kernel;
    private final SandboxPolicies policies;
    private final LaunchPlanning planning;
    private final Path launcher;
    private final PoolShape shape;
    private final String owner;
    private final List<long[]> costs = new ArrayList<>();  // guarded by itself: {makeNanos, cpuNanos} per member

    PoolMembers(StateDirectory state, Kernel kernel, SandboxPolicies policies, LaunchPlanning planning, Path launcher,
                PoolShape shape) {
        this.state = state;
        this.kernel = kernel;
        this.policies = policies;
        this.planning = planning;
        this.launcher = launcher;
        this.shape = shape;
        long self = ProcessHandle.current().pid();
        this.owner = self + "-" + kernel.startTime(self).orElse(0);
    }

    static String cgroupName(String memberId) {
        return "pool." + memberId;
    }

    PoolShape shape() {
        return shape;
    }

    @Override
    public PoolMember make() throws Exception {
        long t0 = System.nanoTime();
        long cpu0 = threadCpu();
        String id = owner + "-" + SEQ.incrementAndGet();
        SandboxPaths paths = state.createMember(id);
        Optional<SandboxPolicies.CgroupHandle> cgroup = Optional.empty();
        Kernel.MemberRun run = null;
        try {
            cgroup = policies.createCgroup(cgroupName(id), SandboxConfig.Resources.UNLIMITED);
            cgroup.ifPresent(SandboxPolicies.CgroupHandle::rememberLimitFiles);  // the claim's limits skip what is there
            LaunchPlan plan = planning.plan(shape.template(id), paths, -1).plan().withCgroups(
                    cgroup.map(SandboxPolicies.CgroupHandle::procsFiles).orElse(List.of()).stream().map(Path::toString).toList(),
                    cgroup.flatMap(SandboxPolicies.CgroupHandle::v2Directory).map(Path::toString));
            run = kernel.startMember(launcher, PlanEncoder.encodeMember(plan, policies.reaperSeccomp()), paths.launcherLog());
            StartedReport started = StartedReport.parse(run.nextLine());
            String ready = run.nextLine();
            if (!ready.equals("ready\t" + started.initPid())) {
                throw LaunchException.fromReport(ready);  // the init's failure line, or the monitor's
            }
            long cpu = threadCpu() - cpu0 + cpuOf(started.monitorPid()) + cpuOf(started.initPid());
            long wall = System.nanoTime() - t0;
            synchronized (costs) {
                costs.add(new long[] {wall, cpu});
            }
            return new PoolMember(id, run, started, cgroup, paths, wall, cpu);
        } catch (Exception e) {
            if (run != null) {
                run.discard();
            }
            removeQuietly(id, cgroup);
            throw e;
        }
    }

    @Override
    public boolean alive(PoolMember m) {
        return kernel.running(m.started().monitorPid(), m.started().monitorStartTime())
                && kernel.running(m.started().initPid(), m.started().initStartTime());
    }

    /** Its monitor sees the stream end and kills the init; the cgroup kill makes sure, then nothing of it is left. */
    @Override
    public void discard(PoolMember m) {
        m.run().discard();
        removeQuietly(m.id(), m.cgroup());
    }

    /** After the claimed sandbox's record names the member's cgroups: the member's directory goes. */
    void forget(PoolMember m) throws IOException {
        state.deleteMember(m.id());
    }

    void forgetQuietly(PoolMember m) {
        try {
            forget(m);
        } catch (IOException e) {
            // reaped by the next runtime that starts a pool
        }
    }

    static void awaitQuietly(AtomicFiles.Pending durable) {
        if (durable != null) {
            try {
                durable.await();
            } catch (IOException e) {
                // the record is deleted with its directory
            }
        }
    }

    /** {makeNanos, cpuNanos} of every member made so far. */
    List<long[]> costs() {
        synchronized (costs) {
            return List.copyOf(costs);
        }
    }

    /**
     * Removes the members whose owner (the runtime that made them) is no longer running: a member's monitor kills its
     * init when its owner's stream ends, so what is left are cgroups and directories. A member whose claim got as far
     * as the sandbox's record keeps its cgroups (the record names them: the sandbox is the runtime's to adopt or
     * remove); otherwise they are killed and removed with it (its launch never returned). Returns the ids removed.
     */
    List<String> reap(java.util.Set<String> recordedMembers) throws IOException {
        List<String> reaped = new ArrayList<>();
        for (String id : state.listMembers()) {
            String[] o = id.split("-");
            if (kernel.sameProcess(Long.parseLong(o[0]), Long.parseLong(o[1]))) {
                continue;  // a live runtime's member
            }
            if (!recordedMembers.contains(id)) {
                policies.findCgroup(cgroupName(id)).ifPresent(PoolMembers::killAndRemove);
            }
            state.deleteMember(id);
            reaped.add(id);
        }
        return reaped;
    }

    private void removeQuietly(String id, Optional<SandboxPolicies.CgroupHandle> cgroup) {
        cgroup.ifPresent(PoolMembers::killAndRemove);
        try {
            state.deleteMember(id);
        } catch (IOException e) {
            // a leftover directory is reaped by the next runtime that starts a pool
        }
    }

    /**
     * Kills what is in the cgroups and removes them. A killed task that is not yet reaped (its monitor may exit just
     * after our kill) still holds a cgroup (EBUSY) though cgroup.procs no longer lists it: retried for up to 2 s.
     */
    static void killAndRemove(SandboxPolicies.CgroupHandle cg) {
        for (int attempt = 0; attempt < 200; attempt++) {
            try {
                cg.kill();
                cg.remove();
                return;
            } catch (IOException | RuntimeException e) {
                if (!pause()) {
                    return;  // interrupted: left for the next reap
                }
            }
        }
        // left for the next reap; the member's processes are gone with its monitor's stream either way
    }

    private static boolean pause() {
        try {
            Thread.sleep(10);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static long threadCpu() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }

    /** Nanoseconds a process ran on a CPU so far (/proc/PID/schedstat, first field); 0 if unreadable. */
    private static long cpuOf(long pid) {
        try {
            return Long.parseLong(Files.readString(Path.of("/proc", Long.toString(pid), "schedstat")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
