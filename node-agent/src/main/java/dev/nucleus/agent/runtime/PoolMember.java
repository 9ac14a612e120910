package dev.nucleus.agent.runtime;

import dev.nucleus.agent.state.SandboxPaths;
import java.util.Optional;

/**
 * One pre-made sandbox waiting in the warm pool: its launcher's stream (for the claim), its monitor and init (pid and
 * start time, from the launcher's report), its cgroups (named {@code pool.<id>}, unlimited until the claim) and its
 * directory under {@code pool/}, plus what making it cost ({@code makeNanos} wall, {@code cpuNanos} of the JVM
 * thread, monitor and init).
 */
record PoolMember(String id, Kernel.MemberRun run, StartedReport started, Optional<SandboxPolicies.CgroupHandle> cgroup,
                  SandboxPaths paths, long makeNanos, long cpuNanos) {

    String cgroupName() {
        return PoolMembers.cgroupName(id);
    }
}
