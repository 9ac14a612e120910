package dev.nucleus.agent.runtime;

import java.nio.file.Path;
import java.time.Duration;

/** Test helper main: an "agent" with a warm pool of two members; says "full" once they are ready, then waits to be killed. */
public final class PoolOwner {

    private PoolOwner() {
    }

    public static void main(String[] args) throws Exception {
        SandboxRuntime rt = SandboxRuntime.open(Path.of(args[0]), NodePolicies.system(args[1]), true);
        rt.enableWarmPool(2, PoolShape.NETWORK_NONE);
        System.out.println(rt.awaitWarmPool(Duration.ofSeconds(60)) ? "full" : "not full");
        System.out.flush();
        Thread.sleep(600_000);
    }
}
