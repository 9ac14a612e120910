package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The launcher's failure line becomes a stable reason and a message naming the step, call, argument and errno. */
class LaunchExceptionTest {

    @Test
    void aKernelThatRefusesTheTimeNamespaceIsItsOwnReason() {
        // what the launcher writes when unshare(CLONE_NEWTIME) fails (ENOSPC: user.max_time_namespaces reached)
        LaunchException e = LaunchException.fromReport("fail\ttimens\tunshare\t28\tCLONE_NEWTIME");
        assertThat(e.reason()).isEqualTo("TimeNamespaceUnavailable")
                .isEqualTo(dev.nucleus.api.v1alpha1.Reasons.TIME_NAMESPACE_UNAVAILABLE);
        assertThat(e.getMessage()).isEqualTo("launcher step 'timens' failed: unshare(CLONE_NEWTIME): ENOSPC (no space left on device)");
    }

    @Test
    void otherStepsKeepTheirReasonsAndAGarbledLineIsALaunchFailure() {
        assertThat(LaunchException.fromReport("fail\tnamespaces\tclone\t1\t").reason()).isEqualTo("LaunchFailed");
        assertThat(LaunchException.fromReport("fail\tcgroups\topen\t2\t/sys/fs/cgroup/x").reason()).isEqualTo("CgroupJoinFailed");
        assertThat(LaunchException.fromReport("garbage").reason()).isEqualTo("LaunchFailed");
    }
}
