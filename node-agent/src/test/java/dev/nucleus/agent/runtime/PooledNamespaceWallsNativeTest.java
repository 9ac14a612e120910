package dev.nucleus.agent.runtime;

import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/**
 * Every wall of {@link NamespaceWallsNativeTest} (pid, uts, net, read-only mounts, curated /etc, capabilities,
 * no_new_privs, setuid, masked /proc, leaked descriptors) crossed again in sandboxes claimed from warm-pool members;
 * its user-namespace tests are of another shape and prove that those launch cold (runs as root).
 */
class PooledNamespaceWallsNativeTest extends NamespaceWallsNativeTest {

    @BeforeAll
    static void start() throws IOException {
        boxes = new NativeSandboxes(NativeSandboxes.unavailableButTheReaper(), 2);
    }
}
