package dev.nucleus.agent.runtime;

import dev.nucleus.agent.rootfs.InvalidMountException;
import dev.nucleus.agent.state.AtomicFiles;
import dev.nucleus.agent.state.SandboxPaths;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

/**
 * A launch that claims a warm-pool member instead of building a sandbox: the spec's limits go into the member's
 * cgroups, the workload's part of the very plan a cold launch would send goes to its launcher, which applies every
 * remaining wall in the cold order and execs. Falls back (empty) only while nothing of the claim was sent; once it
 * was, a failure is the launch's, with the launcher's reason. Order for a crash at any point: docs/security-model.md.
 */
final class PooledLaunch {

    private final WarmPool<PoolMember> pool;
    private final PoolMembers members;
    private final LaunchPlanning planning;
    private final Executor syncer;
    private final ExecutorService background;
    private final IsolationCache isolations = new IsolationCache();

    /** {@code background} removes claimed members' directories. */
    PooledLaunch(WarmPool<PoolMember> pool, PoolMembers members, LaunchPlanning planning, Executor syncer,
                 ExecutorService background) {
        this.pool = pool;
        this.members = members;
        this.planning = planning;
        this.syncer = syncer;
        this.background = background;
    }

    /**
     * Launches {@code config} in a member when its shape is this pool's and one is idle; empty when there is none, or
     * when the taken member could not be claimed before any of the claim was sent (it is discarded, and a cold launch
     * then reports whatever the spec or the node refuses, exactly as without a pool). The claim's plan is made first,
     * on this thread (its walls reused from a recent spec: {@link LaunchPlanning#walls}): a spec the plan refuses takes
     * no member. After the claim was sent a failure throws, with the member's cgroups killed and removed; the caller
     * deletes the sandbox's directory, {@code paths}, just created.
     */
    Optional<Launched> launch(SandboxConfig config, SandboxPaths paths, LaunchPhases phases)
            throws LaunchException, IOException {
        if (!PoolShape.of(config).equals(Optional.of(members.shape()))) {
            return Optional.empty();
        }
        LaunchPlanning.Planned planned;
        try {
            planned = planning.planClaim(config, paths);
        } catch (LaunchException | InvalidMountException | RuntimeException refused) {
            return Optional.empty();  // the cold launch plans the same spec and reports why
        }
        boolean refillQueued = false;
        try {
            phases.pooled();
            phases.mark();
            Optional<PoolMember> taken = pool.take();
            if (taken.isEmpty()) {
                return Optional.empty();
            }
            phases.mark();
            Optional<Launched> launched = claim(taken.get(), config, paths, phases, planned);
            refillQueued = launched.isPresent() && refillAfter(launched.get().durable());
            return launched;
        } finally {
            if (!refillQueued) {
                pool.refill();  // now, not while the claim runs: on a busy node both would compete for the same cores
            }
        }
    }

    /**
     * The refill of a launch that claimed a member starts on the syncer, once the record's fsyncs ran: that thread is
     * awake then anyway. Woken by the launching thread just before launch() returned, the refill thread took that
     * thread's CPU on a busy node (a pooled launch's p50 was 0.2 ms longer than the sum of its steps, 0.1 without).
     */
    private boolean refillAfter(AtomicFiles.Pending durable) {
        if (durable == null || durable.isDone()) {
            return false;
        }
        try {
            syncer.execute(pool::refill);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            return false;
        }
    }

    private Optional<Launched> claim(PoolMember m, SandboxConfig config, SandboxPaths paths, LaunchPhases phases,
                                     LaunchPlanning.Planned planned) throws LaunchException, IOException {
        try {
            if (m.cgroup().isPresent()) {
                m.cgroup().get().limit(config.resources());
            } else if (!config.resources().equals(SandboxConfig.Resources.UNLIMITED)) {
                throw new LaunchException("CgroupsUnavailable", "no cgroups to limit");
            }
            phases.mark();
            if (!sendClaim(m, paths, planned.plan())) {
                members.discard(m);
                return Optional.empty();
            }
            phases.mark();
        } catch (LaunchException | RuntimeException e) {
            members.discard(m);
            return Optional.empty();
        }
        AtomicFiles.Pending durable = null;
        boolean forgetting = false;
        try {
            IsolationCache.Described isolation = isolations.describe(config, planned.plan(), planned.seccomp(),
                    m.cgroup().isPresent(), m.started().bornInCgroup());
            SandboxRecord record = record(m, config, isolation.isolation());
            durable = AtomicFiles.publish(paths.stateFile(), RecordJson.write(record, isolation.json()), syncer);
            phases.durability(durable);
            background.execute(() -> members.forgetQuietly(m));  // the record names the member's cgroups now
            forgetting = true;
            phases.mark();
            String outcome;
            try {
                outcome = lostIfEmpty(m, m.run().nextLine());
            } catch (IOException broken) {  // reset: the monitor died with our claim unread
                outcome = lostIfEmpty(m, "");
            }
            if (!outcome.equals("ok\t" + m.started().initPid())) {
                throw LaunchException.fromReport(outcome);
            }
            phases.mark();
            return Optional.of(new Launched(record, durable, m.run().process()));
        } catch (LaunchException | IOException | RuntimeException e) {
            m.cgroup().ifPresent(PoolMembers::killAndRemove);
            m.run().discard();
            PoolMembers.awaitQuietly(durable);
            if (!forgetting) {
                members.forgetQuietly(m);  // else the background task removes its directory (one deleter only)
            }
            throw e;
        }
    }

    /** The launcher's answer to the claim; a stream that ends or breaks without one means the member died meanwhile. */
    private static String lostIfEmpty(PoolMember m, String line) throws LaunchException {
        if (line.isEmpty()) {
            throw new LaunchException("PoolMemberLost", "warm-pool member " + m.id() + " ended after its claim was sent,"
                    + " before reporting the launch (its monitor or init died); not retried cold, the claim had been sent");
        }
        return line;
    }

    /** Sends the claim; false when the member's launcher is gone (nothing of the claim ran; take() saw it alive). */
    private boolean sendClaim(PoolMember m, SandboxPaths paths, LaunchPlan plan) {
        try {
            m.run().claim(PlanEncoder.encodeClaim(plan, paths.launcherLog()));
            return true;
        } catch (IOException e) {
            return false;  // the monitor reads the whole claim before the init gets a byte of it
        }
    }

    /** The same record a cold launch writes, plus where it came from: the member and its cgroups' name. */
    private static SandboxRecord record(PoolMember m, SandboxConfig config, Map<String, Object> isolation) {
        StartedReport s = m.started();
        return new SandboxRecord(config.name(), config.command(), System.currentTimeMillis(),
                s.monitorPid(), s.monitorStartTime(), s.initPid(), s.initStartTime(),
                m.cgroup().map(SandboxPolicies.CgroupHandle::version).orElse("none"), isolation, 0, m.cgroupName(), m.id());
    }
}
