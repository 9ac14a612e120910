package dev.nucleus.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.runtime.ExitStatus;
import dev.nucleus.api.v1alpha1.Lifecycle;
import dev.nucleus.api.v1alpha1.RestartPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The CLI's reading of spec.lifecycle, without running anything. */
class CliLifecycleTest {

    static ExitStatus exit(int code, int signal, String reason) {
        return new ExitStatus(code, signal, reason, 10_000);
    }

    @Test
    void theManifestsFieldsOrTheApiDefaults() {
        assertThat(CliLifecycle.from(null)).isEqualTo(new CliLifecycle(false, 10, -1, 0));
        assertThat(CliLifecycle.from(new Lifecycle().setRestartPolicy(RestartPolicy.OnFailure).setStopGracePeriodSeconds(3L)
                .setTtlSecondsAfterFinished(60L))).isEqualTo(new CliLifecycle(true, 3, 60, 0));
    }

    @Test
    void onlyFailuresOtherThanADeadlineAreRestarted() {
        CliLifecycle on = new CliLifecycle(true, 10, -1, 0);
        assertThat(on.restarts(exit(1, 0, ExitStatus.ERROR))).isTrue();
        assertThat(on.restarts(exit(-1, 9, ExitStatus.OOM_KILLED))).isTrue();
        assertThat(on.restarts(exit(-1, 15, ExitStatus.SIGNALED))).isTrue();
        assertThat(on.restarts(exit(0, 0, ExitStatus.COMPLETED))).isFalse();
        assertThat(on.restarts(exit(-1, 9, ExitStatus.DEADLINE_EXCEEDED))).isFalse();
        assertThat(CliLifecycle.DEFAULTS.restarts(exit(1, 0, ExitStatus.ERROR))).isFalse();
    }

    @Test
    void aFinishedSandboxExpiresTtlSecondsAfterItsFinish() {
        ExitStatus done = exit(0, 0, ExitStatus.COMPLETED);
        assertThat(new CliLifecycle(false, 10, 5, 0).expired(done, 14_999)).isFalse();
        assertThat(new CliLifecycle(false, 10, 5, 0).expired(done, 15_000)).isTrue();
        assertThat(CliLifecycle.DEFAULTS.expired(done, Long.MAX_VALUE)).as("no TTL: kept forever").isFalse();
    }

    @Test
    void backoffDoublesFromOneSecondUpToThirty() {
        assertThat(RestartSupervisor.backoff(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(RestartSupervisor.backoff(4)).isEqualTo(Duration.ofSeconds(16));
        assertThat(RestartSupervisor.backoff(5)).isEqualTo(Duration.ofSeconds(30));
        assertThat(RestartSupervisor.backoff(1000)).isEqualTo(Duration.ofSeconds(30));
    }
}
