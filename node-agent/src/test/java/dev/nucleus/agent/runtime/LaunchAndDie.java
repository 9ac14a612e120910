package dev.nucleus.agent.runtime;

import java.nio.file.Path;
import java.util.List;

/** Test helper main: an "agent" that launches one sandbox and dies abruptly, leaving the sandbox behind. */
public final class LaunchAndDie {

    private LaunchAndDie() {
    }

    public static void main(String[] args) throws Exception {
        SandboxRuntime rt = SandboxRuntime.open(Path.of(args[0]), SandboxPolicies.unavailable());
        SandboxConfig c = LifecycleNativeTest.unconfined(args[1], List.of("/bin/sh", "-c", "trap 'exit 7' TERM; echo up; while :; do sleep 0.1; done"));
        rt.launch(c);
        Runtime.getRuntime().halt(0);
    }
}
