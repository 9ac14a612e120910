package dev.nucleus.agent.runtime;

import dev.nucleus.agent.state.SandboxPaths;
import dev.nucleus.agent.state.StateDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;

/** A runtime's warm pool, if it has one: started, resized, stopped, and asked for a member at each launch. */
final class WarmPoolControl {

    private final StateDirectory state;
    private final Kernel kernel;
    private final SandboxPolicies policies;
    private final LaunchPlanning planning;
    private final Path launcher;
    private final Executor syncer;
    private final ExecutorService background;
    private final RecordedMembers recorded;
    private WarmPool<PoolMember> pool;  // guarded by this; null: no warm pool (the default)
    private PoolMembers members;  // guarded by this
    private volatile PooledLaunch pooled;

    /** The members named by sandboxes' records (claimed: their cgroups are those sandboxes'). */
    interface RecordedMembers {
        Set<String> get() throws IOException;
    }

    WarmPoolControl(StateDirectory state, Kernel kernel, SandboxPolicies policies, LaunchPlanning planning, Path launcher,
                    Executor syncer, ExecutorService background, RecordedMembers recorded) {
        this.background = background;
        this.recorded = recorded;
        this.state = state;
        this.kernel = kernel;
        this.policies = policies;
        this.planning = planning;
        this.launcher = launcher;
        this.syncer = syncer;
    }

    /** Replaces the pool by one of {@code size} members of {@code shape} (0: none), after reaping dead owners' members. */
    synchronized void enable(int size, PoolShape shape) throws IOException, InterruptedException {
        stop();
        if (size <= 0) {
            return;
        }
        members = new PoolMembers(state, kernel, policies, planning, launcher, shape);
        members.reap(recorded.get());
        pool = new WarmPool<>(size, members);
        pooled = new PooledLaunch(pool, members, planning, syncer, background);
    }

    /** Stops refilling and removes every idle member. */
    synchronized void stop() throws InterruptedException {
        if (pool != null) {
            pooled = null;
            pool.close();
            pool = null;
        }
    }

    boolean awaitFull(Duration timeout) throws InterruptedException {
        WarmPool<PoolMember> p;
        synchronized (this) {
            p = pool;
        }
        return p != null && p.awaitFull(timeout);
    }

    synchronized Optional<WarmPoolReport> report() {
        if (pool == null) {
            return Optional.empty();
        }
        WarmPool.Stats st = pool.stats();
        return Optional.of(new WarmPoolReport(st.idle(), st.made(), st.failed(), st.lastFailure(), members.costs()));
    }

    /** A launch in a member, or empty (no pool, another shape, none idle, or not claimable): then the launch is cold. */
    Optional<Launched> launch(SandboxConfig config, SandboxPaths paths, LaunchPhases phases) throws LaunchException, IOException {
        PooledLaunch p = pooled;
        return p == null ? Optional.empty() : p.launch(config, paths, phases);
    }
}
