package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A host service listening on an abstract unix socket stays out of reach: behind the network namespace for network
 * None (which is why those sandboxes need no Landlock socket scope and stay checkpointable), behind the Landlock
 * scope for network Host. Runs as root with the node's real policy engines.
 */
class AbstractSocketWallNativeTest {

    private static final String SOCKET = "nucleus-wall-" + ProcessHandle.current().pid();
    private static final String CONNECT = String.join("\n",
            "import socket",
            "s = socket.socket(socket.AF_UNIX)",
            "try:",
            "    s.connect('\\0" + SOCKET + "'); print('connected')",
            "except OSError as e:",
            "    print('errno', e.errno)");

    static NativeSandboxes boxes;
    static Process listener;

    @BeforeAll
    static void start() throws IOException {
        boxes = new NativeSandboxes(NodePolicies.system("nucleus-test"));
        listener = new ProcessBuilder("python3", "-c", String.join("\n",
                "import socket",
                "s = socket.socket(socket.AF_UNIX)",
                "s.bind('\\0" + SOCKET + "')",
                "s.listen(8)",
                "print('ready', flush=True)",
                "while True:",
                "    c, _ = s.accept(); c.close()")).redirectErrorStream(true).start();
        var out = new BufferedReader(new InputStreamReader(listener.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
    }

    @AfterAll
    static void stop() throws Exception {
        listener.destroyForcibly().waitFor();
        boxes.close();
    }

    static SandboxConfig config(String prefix, NetworkMode network, SandboxConfig.Landlock landlock) {
        return new SandboxConfig(boxes.name(prefix), List.of("python3", "-c", CONNECT), Map.of(), "/",
                new RootfsSource.Host(), List.of(), SandboxConfig.Resources.UNLIMITED, 1000, 1000, false, network,
                SandboxConfig.Seccomp.DEFAULT, landlock, Set.of(), 0);
    }

    @Test
    void networkNoneDoesNotSeeTheHostsAbstractSockets() throws Exception {
        var run = boxes.run(config("abs-none", NetworkMode.NONE, SandboxConfig.Landlock.DEFAULT));
        assertThat(run.stdout().strip()).isEqualTo("errno 111"); // ECONNREFUSED: no such name in this namespace
    }

    @Test
    void networkHostIsStoppedByTheLandlockScope() throws Exception {
        var run = boxes.run(config("abs-host", NetworkMode.HOST, SandboxConfig.Landlock.DEFAULT));
        assertThat(run.stdout().strip()).isEqualTo("errno 1"); // EPERM: the socket is outside the domain's scope
    }

    @Test
    void networkHostWithoutLandlockConnectsSoTheProbeCanTellTheDifference() throws Exception {
        var run = boxes.run(config("abs-open", NetworkMode.HOST, SandboxConfig.Landlock.DISABLED));
        assertThat(run.stdout().strip()).isEqualTo("connected");
    }
}
