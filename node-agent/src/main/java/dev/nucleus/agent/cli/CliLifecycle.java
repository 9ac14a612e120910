package dev.nucleus.agent.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nucleus.agent.runtime.ExitStatus;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.agent.state.AtomicFiles;
import dev.nucleus.api.v1alpha1.Lifecycle;
import dev.nucleus.api.v1alpha1.RestartPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@code nucleus run} must remember about a sandbox's lifecycle after it returns: restart on failure, the stop
 * grace period that stop and rm use, how long a finished sandbox is kept ({@code ttlSecondsAfterFinished}, -1 =
 * forever), and the log cap a restart must reuse (0 = the node's default). Kept in {@code cli-lifecycle.json} in the sandbox's state directory, written atomically.
 */
record CliLifecycle(boolean restartOnFailure, long stopGraceSeconds, long ttlSecondsAfterFinished, long logLimitBytes) {

    static final String FILE = "cli-lifecycle.json";
    static final long DEFAULT_GRACE_SECONDS = 10;
    static final CliLifecycle DEFAULTS = new CliLifecycle(false, DEFAULT_GRACE_SECONDS, -1, 0);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** From a manifest's spec.lifecycle (the API's defaults where a field is omitted). */
    static CliLifecycle from(Lifecycle l) {
        if (l == null) {
            return DEFAULTS;
        }
        return new CliLifecycle(l.getRestartPolicy() == RestartPolicy.OnFailure,
                l.getStopGracePeriodSeconds() == null ? DEFAULT_GRACE_SECONDS : l.getStopGracePeriodSeconds(),
                l.getTtlSecondsAfterFinished() == null ? -1 : l.getTtlSecondsAfterFinished(), 0);
    }

    CliLifecycle withLogLimit(long bytes) {
        return new CliLifecycle(restartOnFailure, stopGraceSeconds, ttlSecondsAfterFinished, bytes);
    }

    Duration grace() {
        return Duration.ofSeconds(stopGraceSeconds);
    }

    /** Finished and older than its TTL at {@code nowMillis}: {@code nucleus ps} removes it. */
    boolean expired(ExitStatus exit, long nowMillis) {
        return ttlSecondsAfterFinished >= 0 && nowMillis >= exit.finishedAtMillis() + ttlSecondsAfterFinished * 1000;
    }

    /** Worth another run: a failure, but not a deadline (a deadline is final, as for a Kubernetes pod). */
    boolean restarts(ExitStatus exit) {
        return restartOnFailure && !exit.reason().equals(ExitStatus.COMPLETED) && !exit.reason().equals(ExitStatus.DEADLINE_EXCEEDED);
    }

    void save(SandboxRuntime rt, String name) throws IOException {
        AtomicFiles.write(file(rt, name), JSON.writeValueAsBytes(this));
    }

    /** The saved lifecycle, or the defaults for a sandbox started some other way (the agent, a restore). */
    static CliLifecycle load(SandboxRuntime rt, String name) throws IOException {
        Path f = file(rt, name);
        if (!Files.exists(f, LinkOption.NOFOLLOW_LINKS)) {
            AtomicFiles.refuseSymlink(f);
            return DEFAULTS;
        }
        return JSON.readValue(AtomicFiles.read(f), CliLifecycle.class);
    }

    private static Path file(SandboxRuntime rt, String name) throws IOException {
        return rt.stateDirectory().open(name).dir().resolve(FILE);
    }
}
