package dev.nucleus.agent.cli;

import dev.nucleus.agent.runtime.PoolShape;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxRecord;
import dev.nucleus.agent.runtime.SandboxRuntime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The pooled contender of {@code nucleus bench launch --pool N}: the same full-isolation spec, launched by a runtime
 * with a warm pool, timed spec to exec, then awaited and removed as the cold row is. The pool refills in the
 * background while the other contenders of the round run; a launch that finds it empty goes cold and is counted.
 */
final class PooledRow {

    final SandboxRuntime rt;
    private final List<Long> toExec = new ArrayList<>();
    private final List<Boolean> claimed = new ArrayList<>();
    private final List<dev.nucleus.agent.runtime.LaunchPhases> phases = new ArrayList<>();

    PooledRow(SandboxRuntime rt, int size) throws Exception {
        this.rt = rt;
        rt.onLaunchPhases(phases::add);
        rt.enableWarmPool(size, PoolShape.NETWORK_NONE);
        if (!rt.awaitWarmPool(Duration.ofSeconds(60))) {
            throw new IllegalStateException("bench: the warm pool did not fill in 60 s: " + rt.warmPoolReport());
        }
    }

    void runOnce(int i) throws Exception {
        SandboxConfig c = BenchCommand.fullIsolation("bench-" + ProcessHandle.current().pid() + "-p" + i);
        long t0 = System.nanoTime();
        SandboxRecord r = rt.launch(c);
        toExec.add(System.nanoTime() - t0);
        claimed.add(r.poolMember() != null);
        rt.await(c.name(), Duration.ofSeconds(30)).orElseThrow();
        rt.remove(c.name());
    }

    long[] toExec(int warmup) {
        return toExec.subList(warmup, toExec.size()).stream().mapToLong(Long::longValue).toArray();
    }

    /** How many measured launches claimed a member, and what making the members cost (wall and CPU). */
    String report(int warmup) throws java.io.IOException {
        long hits = claimed.subList(warmup, claimed.size()).stream().filter(b -> b).count();
        dev.nucleus.agent.runtime.WarmPoolReport p = rt.warmPoolReport().orElseThrow();
        long[] wall = p.costs().stream().mapToLong(c -> c[0]).toArray();
        long[] cpu = p.costs().stream().mapToLong(c -> c[1]).toArray();
        return String.format("%nWarm pool (--pool): %d of %d measured launches claimed a member (the others found it empty"
                + " and launched cold). Members made: %d, failed: %d. Making one (refill, in the background, in the same"
                + " rounds as every contender): wall p50 %.2f / p90 %.2f ms; CPU p50 %.2f / p90 %.2f ms (refill thread +"
                + " the member's monitor and init, /proc/PID/schedstat at ready).%n", hits, claimed.size() - warmup,
                p.made(), p.failed(), BenchCommand.percentile(wall, 50), BenchCommand.percentile(wall, 90),
                BenchCommand.percentile(cpu, 50), BenchCommand.percentile(cpu, 90))
                + BenchCommand.phaseReport(phases.subList(Math.min(warmup, phases.size()), phases.size()),
                        dev.nucleus.agent.runtime.LaunchPhases.POOLED_STEPS,
                        "Where a pooled launch's time goes (median per step over the launches that claimed a member)");
    }
}
