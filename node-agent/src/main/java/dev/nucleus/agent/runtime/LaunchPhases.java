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

    /** The steps of a launch that claimed a warm-pool member ({@link PooledLaunch}), in order. */
    public static final List<String> POOLED_STEPS = List.of(
            "state directory (checks, mkdir)",
            "the claim's plan (its walls reused from a recent spec with the same isolation inputs)",
            "take a member (its monitor's and init's pid + start time checked)",
            "the spec's limits into the member's cgroups",
            "claim encoded and written to the member's launcher",
            "record + state file made visible (temp, link; fsyncs queued); meanwhile: the launcher applies the claim",
            "what is left of the launcher's work → exec → `ok`");

    /** The first this many steps of either list end once the plan (cold) or the claim (pooled) was written: the JVM's part. */
    public static final int UNTIL_SENT = 5;

    /** Not a step of the critical path: the helper thread's whole share, which overlaps the cgroups step. */
    public static final String PLAN_THREAD = "helper thread: launch plan (LaunchPlanner, cached seccomp/Landlock) + root directories, in parallel";
    /** Not a step of the launch: how long after launch() returned its state file was durable (fsyncs in the background). */
    public static final String DURABLE = "state file durable (fsync, directory fsync), counted from launch() returning; off the critical path";

    private final long[] marks = new long[Math.max(STEPS.size(), POOLED_STEPS.size()) + 1];
    private List<String> steps = STEPS;
    private int next;
    private dev.nucleus.agent.state.AtomicFiles.Pending durability;
    private long planThread = Long.MIN_VALUE;

    LaunchPhases() {
        mark();
    }

    /** From now on the steps are {@link #POOLED_STEPS}: the launch claimed a member. */
    void pooled() {
        steps = POOLED_STEPS;
    }

    /** Back to {@link #STEPS} after the state directory step: the taken member could not be claimed, the launch goes cold. */
    void cold() {
        steps = STEPS;
        next = Math.min(next, 2);
    }

    /** The steps this launch went through ({@link #STEPS} or {@link #POOLED_STEPS}). */
    public List<String> steps() {
        return steps;
    }

    void mark() {
        if (next <= steps.size()) {
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
        return durability == null || next <= steps.size() ? Long.MIN_VALUE : durability.await() - marks[steps.size()];
    }

    /** Nanoseconds per step, or null when the launch did not reach its end. */
    public long[] durations() {
        if (next <= steps.size()) {
            return null;
        }
        long[] d = new long[steps.size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = marks[i + 1] - marks[i];
        }
        return d;
    }
}
