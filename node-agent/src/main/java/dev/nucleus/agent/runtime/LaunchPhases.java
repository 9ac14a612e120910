package dev.nucleus.agent.runtime;

import java.util.List;

/**
 * Where one launch spent its time: {@link System#nanoTime()} at the end of each step of {@link SandboxRuntime#launch},
 * so `nucleus bench launch` can show the breakdown of the run it measured (a few clock reads per launch).
 */
public final class LaunchPhases {

    /** The steps, in order; the duration of step i ends at mark i + 1. */
    public static final List<String> STEPS = List.of(
            "state directory (checks, mkdir)",
            "cgroups (directories, limits); meanwhile: the launch plan on a helper thread, the launcher's fork",
            "launch plan: what is left of the helper's work (LaunchPlanner, cached seccomp/Landlock, root directories)",
            "PlanEncoder",
            "plan written to the launcher (forked by the zygote, or spawned, during the cgroups step)",
            "launcher: plan read and decoded, logs and pipes opened, clone → `started`",
            "record + state file made visible (temp, link; fsyncs queued), meanwhile: cgroup joins, the init's setup",
            "what is left of the cgroup joins and the init's setup → exec → `ok`");

    /** Not a step of the critical path: the helper thread's whole share, which overlaps the cgroups step. */
    public static final String PLAN_THREAD = "helper thread: launch plan (LaunchPlanner, cached seccomp/Landlock) + root directories, in parallel";
    /** Not a step of the launch: how long after launch() returned its state file was durable (fsyncs in the background). */
    public static final String DURABLE = "state file durable (fsync, directory fsync), counted from launch() returning; off the critical path";

    private final long[] marks = new long[STEPS.size() + 1];
    private int next;
    private dev.nucleus.agent.state.AtomicFiles.Pending durability;
    private long planThread = Long.MIN_VALUE;

    LaunchPhases() {
        mark();
    }

    void mark() {
        if (next < marks.length) {
            marks[next++] = System.nanoTime();
        }
    }

    void planThread(long nanos) {
        planThread = nanos;
    }

    /** Nanoseconds the helper thread spent on the plan ({@link #PLAN_THREAD}), {@link Long#MIN_VALUE} if unknown. */
    public long planThread() {
        return planThread;
    }

    void durability(dev.nucleus.agent.state.AtomicFiles.Pending pending) {
        this.durability = pending;
    }

    /**
     * Nanoseconds from the launch's last step to its state file being durable (negative: durable before it returned),
     * waiting for it if need be; {@link Long#MIN_VALUE} when the launch did not queue an fsync.
     */
    public long durableAfterReturn() throws java.io.IOException {
        return durability == null || next < marks.length ? Long.MIN_VALUE : durability.await() - marks[marks.length - 1];
    }

    /** Nanoseconds per step, or null when the launch did not reach its end. */
    public long[] durations() {
        if (next < marks.length) {
            return null;
        }
        long[] d = new long[STEPS.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = marks[i + 1] - marks[i];
        }
        return d;
    }
}
