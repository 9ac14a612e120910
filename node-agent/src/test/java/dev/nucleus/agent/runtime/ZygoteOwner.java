package dev.nucleus.agent.runtime;

import dev.nucleus.agent.state.StateDirectory;
import java.nio.file.Path;
import java.util.List;

/**
 * Test helper main: an "agent" whose launches fork from its zygote; it launches one sandbox, prints the zygote's pid
 * and then waits to be killed.
 */
public final class ZygoteOwner {

    private ZygoteOwner() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args[0]);
        Path launcher = LauncherBinary.extract(root.resolve("bin"));
        LauncherZygote zygote = LauncherZygote.of(launcher, root);
        SandboxRuntime rt = new SandboxRuntime(new StateDirectory(root), new LinuxKernel(zygote), SandboxPolicies.unavailable(), launcher);
        rt.launch(LifecycleNativeTest.unconfined(args[1],
                List.of("/bin/sh", "-c", "trap 'exit 7' TERM; echo up; while :; do sleep 0.1; done")));
        System.out.println("zygote " + zygote.pid() + " " + zygote.socket());
        System.out.flush();
        Thread.sleep(600_000);
    }
}
