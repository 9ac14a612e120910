package dev.nucleus.agent.cli;

import dev.nucleus.agent.runtime.ExitStatus;
import dev.nucleus.agent.runtime.LaunchException;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxRuntime;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * restartPolicy OnFailure for the CLI: waits for the sandbox to end and starts it again after a failure, with an
 * exponential backoff capped at {@link #MAX_BACKOFF}, until it completes, hits its deadline, or stop/rm asks it to
 * end. Runs in the foreground {@code nucleus run}, or for {@code run -d} in a detached {@code nucleus supervise}.
 */
final class RestartSupervisor {

    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** How a run is awaited: the foreground streams the logs while it waits. */
    interface Waiter {
        ExitStatus await(String name) throws Exception;
    }

    private final SandboxRuntime runtime;
    private final CliLifecycle lifecycle;

    RestartSupervisor(SandboxRuntime runtime, CliLifecycle lifecycle) {
        this.runtime = runtime;
        this.lifecycle = lifecycle;
    }

    /** 1 s, 2 s, 4 s, ... at most 30 s before restart number {@code n + 1}. */
    static Duration backoff(int n) {
        return n >= 5 ? MAX_BACKOFF : FIRST_BACKOFF.multipliedBy(1L << n);
    }

    /** The final exit status; empty when the sandbox was removed meanwhile. */
    Optional<ExitStatus> supervise(SandboxConfig config, Waiter waiter) throws Exception {
        String name = config.name();
        ExitStatus exit = waiter.await(name);
        for (int n = 0; lifecycle.restarts(exit); n++) {
            Thread.sleep(backoff(n).toMillis());
            try {
                if (runtime.stopRequested(name)) {
                    return Optional.of(exit);
                }
                runtime.relaunch(config);
            } catch (LaunchException e) {
                if (e.reason().equals("StopRequested") || !runtime.stateDirectory().exists(name)) {
                    return Optional.of(exit);
                }
                throw e;
            } catch (IOException e) {
                return runtime.stateDirectory().exists(name) ? Optional.of(exit) : Optional.empty();
            }
            if (runtime.stopRequested(name)) {
                // stop or rm ran between our check and the relaunch and found nothing running: finish their job
                runtime.stop(name, lifecycle.grace());
            }
            exit = waiter.await(name);
        }
        return Optional.of(exit);
    }
}
