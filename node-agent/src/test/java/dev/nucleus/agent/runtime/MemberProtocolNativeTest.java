package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.state.StateDirectory;
import dev.nucleus.agent.testing.TempDirs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launcher keeps a member's plan and its claim apart, whatever the agent sends: a workload key in a member's plan
 * and a shape key in a claim are refused before any step they would drive, and the member dies unused (runs as root).
 */
class MemberProtocolNativeTest {

    Path root;
    LauncherZygote zygote;
    PoolMembers members;
    Kernel kernel;
    Path launcher;

    @BeforeEach
    void start() throws Exception {
        root = TempDirs.stateRoot("nucleus-member-");
        launcher = LauncherBinary.extract(root.resolve("bin"));
        zygote = LauncherZygote.of(launcher, root);
        kernel = new LinuxKernel(zygote);
        StateDirectory state = new StateDirectory(root);
        SandboxPolicies policies = NativeSandboxes.unavailableButTheReaper();
        members = new PoolMembers(state, kernel, policies, new LaunchPlanning(policies, kernel, root, launcher), launcher,
                PoolShape.NETWORK_NONE);
    }

    @AfterEach
    void stop() throws Exception {
        zygote.stop();
        TempDirs.deleteTree(root);
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** One plan record: {@code <key> <length>\n<value>\n}. */
    static byte[] record(String key, String value) {
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        return concat((key + " " + v.length + "\n").getBytes(StandardCharsets.US_ASCII), v, new byte[] {'\n'});
    }

    @Test
    void aWorkloadKeyInAMembersPlanIsRefusedBeforeAnyStep() throws Exception {
        byte[] plan = concat(record("member", "1"), record("root", "/none"), record("init", "/dev/nucleus-init"),
                record("arg", "/bin/true"));
        Kernel.MemberRun run = kernel.startMember(launcher, plan, root.resolve("member.log"));
        assertThat(run.nextLine()).startsWith("fail\tplan\tparse\t22\ta claim key in a member's plan");
        run.discard();
    }

    @Test
    void aShapeKeyInAClaimIsRefusedAndTheMemberEndsUnused() throws Exception {
        PoolMember m = members.make();
        SandboxConfig c = SandboxConfig.defaults("claimed", List.of("/bin/sh", "-c", "echo ran > /tmp/ran"));
        var paths = new dev.nucleus.agent.state.SandboxPaths(Files.createDirectory(root.resolve("claimed")));
        LaunchPlan plan = new LaunchPlanner(kernel, root, launcher).planClaim(c, paths, LaunchPlanner.Policies.NONE);
        byte[] claim = PlanEncoder.encodeClaim(plan, paths.launcherLog());
        // a mount op slipped in front of the claim: the monitor refuses the whole claim before the init gets any of it
        m.run().claim(concat(record("op", "mount\0\0/\0\0" + "0x1\0"), claim));
        assertThat(m.run().nextLine()).startsWith("fail\tplan\tparse\t22\tnot a claim key");
        for (int i = 0; i < 500 && ProcessHandle.of(m.started().initPid()).isPresent(); i++) {
            Thread.sleep(10);
        }
        assertThat(ProcessHandle.of(m.started().initPid()).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(paths.stdoutLog()).doesNotExist();  // nothing of the workload was set up, not even its logs
        members.discard(m);
    }
}
