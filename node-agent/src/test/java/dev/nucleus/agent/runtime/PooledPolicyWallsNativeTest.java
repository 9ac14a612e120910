package dev.nucleus.agent.runtime;

import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every wall of {@link PolicyWallsNativeTest} (seccomp, Landlock, memory OOM, pids, cpu, cgroup joins before the
 * first step, the effective isolation, rm) crossed again in sandboxes claimed from warm-pool members (runs as root).
 */
class PooledPolicyWallsNativeTest extends PolicyWallsNativeTest {

    @BeforeAll
    static void start() throws IOException {
        boxes = new NativeSandboxes(NodePolicies.system("nucleus-test"), 2);
    }
}
