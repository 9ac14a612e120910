package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether this node has a spare core right now, from the idle time in {@code /proc/stat} over the last window plus
 * the CPU the calling thread itself used in it (its own work would otherwise hide the core it runs on). Work that
 * can as well be done later (hashing page pieces during a dump) runs now only when it takes nobody's CPU, criu's
 * least of all; on a busy node it waits and is done after the dump. One instance per thread.
 */
final class IdleCpu {

    private static final Path STAT = Path.of("/proc/stat");
    private static final long WINDOW_NANOS = 50_000_000;  // /proc/stat counts in 10 ms ticks
    private static final int CPUS = Runtime.getRuntime().availableProcessors();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final double spareCores;
    private long idle = -1;
    private long total;
    private long at;
    private long ownCpu;
    private boolean verdict;

    /** Spare means at least {@code spareCores} cores' worth of idle time over the window. */
    IdleCpu(double spareCores) {
        this.spareCores = spareCores;
        sample();
    }

    /** The verdict of the last complete window (false until one passed, or if /proc/stat cannot be read). */
    boolean spare() {
        long now = System.nanoTime();
        if (now - at < WINDOW_NANOS) {
            return verdict;
        }
        long idle0 = idle;
        long total0 = total;
        long at0 = at;
        long own0 = ownCpu;
        if (sample() && idle0 >= 0 && total > total0) {
            double idleCores = (double) (idle - idle0) / (total - total0) * CPUS;
            double ownCores = own0 < 0 || ownCpu < 0 ? 0 : (double) (ownCpu - own0) / (at - at0);
            verdict = idleCores + ownCores >= spareCores;
        } else {
            verdict = false;
        }
        return verdict;
    }

    // The aggregate "cpu" line: user nice system idle iowait irq softirq steal ...; idle + iowait is idle.
    private boolean sample() {
        at = System.nanoTime();
        ownCpu = THREADS.isCurrentThreadCpuTimeSupported() ? THREADS.getCurrentThreadCpuTime() : -1;
        try {
            String[] f = Files.readAllLines(STAT).get(0).trim().split("\\s+");
            long sum = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) {
                sum += Long.parseLong(f[i]);
            }
            idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
            total = sum;
            return true;
        } catch (IOException | RuntimeException e) {
            idle = -1;  // unknown: never spare
            return false;
        }
    }
}
