package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ExitStatusTest {

    @Test
    void reasonsFollowTheRecordedStatus() {
        assertThat(ExitStatus.parse("exitCode=0\nsignal=0\nreason=\n", false).reason()).isEqualTo("Completed");
        assertThat(ExitStatus.parse("exitCode=3\nsignal=0\nreason=\n", false).reason()).isEqualTo("Error");
        assertThat(ExitStatus.parse("exitCode=-1\nsignal=9\nreason=\n", true).reason()).isEqualTo("OOMKilled");
        assertThat(ExitStatus.parse("exitCode=-1\nsignal=15\nreason=\n", false).reason()).isEqualTo("Signaled");
        ExitStatus d = ExitStatus.parse("exitCode=-1\nsignal=9\nreason=DeadlineExceeded\nfinishedAtMillis=5\n", false);
        assertThat(d.reason()).isEqualTo("DeadlineExceeded");
        assertThat(d.shellCode()).isEqualTo(137);
        assertThat(d.finishedAtMillis()).isEqualTo(5);
    }
}
