package dev.nucleus.agent.checkpoint;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Runs {@code criu restore} under a monitor that outlives this JVM and tracks the restored sandbox like a launched
 * one (the launcher's restore mode, through {@code SandboxRuntime.startRestored}).
 */
@FunctionalInterface
public interface RestoreMonitor {

    /** File descriptors the monitor hands criu for the workload's stdout and stderr pipes. */
    int STDOUT_FD = 3;
    int STDERR_FD = 4;
    /** The fd on which the monitor hands criu a new verdict pipe for the restored launcher init. */
    int VERDICT_FD = 5;
    /** The fd of the verdict pipe inside a launched sandbox's init (the workload's exact wait status). */
    int INIT_VERDICT_FD = 4;

    /** Returns the restored init's host PID once criu has finished; throws with the reason when it did not. */
    long start(Command command) throws CheckpointException;

    /**
     * One monitored restore: criu's command line and environment ({@code KEY=VALUE}), the cgroup.procs files criu
     * joins first, its pidfile and log, the bound on criu, and what was verified about the checkpoint.
     */
    record Command(List<String> criuArgv, List<String> criuEnv, List<Path> cgroupProcsFiles, Path pidFile,
            Path criuLog, Duration timeout, CheckpointMetadata metadata, String digest) {

        public Command {
            criuArgv = List.copyOf(criuArgv);
            criuEnv = List.copyOf(criuEnv);
            cgroupProcsFiles = List.copyOf(cgroupProcsFiles);
        }
    }
}
