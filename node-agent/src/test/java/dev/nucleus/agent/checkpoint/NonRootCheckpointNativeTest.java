package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxInfo;
import dev.nucleus.agent.runtime.SandboxRecord;

/**
 * Sandboxes whose tasks run as non-root host uids (a workload uid, or a user namespace's mapped root): CRIU run by a
 * root without CAP_SYS_RESOURCE (these VMs) cannot read their rlimits, so the checkpoint is refused with
 * NonRootTasks before anything is written, and a dump that gets that far says the same. Where root has the
 * capability, the same sandboxes are dumped.
 */
class NonRootCheckpointNativeTest {

    @TempDir
    Path tmp;
    LauncherSandboxes sandboxes;
    CheckpointService service;
    final boolean rootMayReadRlimits = SandboxProcesses.hasCapability(SandboxProcesses.CAP_SYS_RESOURCE);

    @BeforeEach
    void setUp() throws Exception {
        sandboxes = new LauncherSandboxes();
        service = LauncherSandboxes.testService(new CriuRunner(CriuConfig.fromEnvironment()),
                LauncherSandboxes.testKey(0), sandboxes.cgroups);
    }

    @AfterEach
    void tearDown() throws Exception {
        sandboxes.close();
    }

    private SandboxRecord start(String name, long uid, boolean userNamespace) throws Exception {
        SandboxConfig d = SandboxConfig.defaults(name, List.of("/bin/sh", "-c", "while true; do sleep 1; done"));
        return sandboxes.runtime.launch(new SandboxConfig(name, d.command(), d.env(), d.workingDir(), d.rootfs(),
                List.of(), new SandboxConfig.Resources(64L << 20, 0, 64), uid, uid, userNamespace, d.network(),
                SandboxConfig.Seccomp.DEFAULT, SandboxConfig.Landlock.DISABLED, Set.of(), 0));
    }

    private CheckpointTarget target(SandboxRecord r) {
        return new CheckpointTarget(r.name(), r.name(), r.initPid(), r.command(), ResourceLimits.of(64L << 20, 0, 64, null),
                List.of(), null, false, false, r.isolation().get("userNamespace") != null
                        && !"none".equals(r.isolation().get("userNamespace")));
    }

    @Test
    void aWorkloadUidOtherThanRootIsRefusedWithTheReasonAndKeepsRunning() throws Exception {
        SandboxRecord r = start("uid1000-" + ProcessHandle.current().pid(), 1000, false);
        assertRefusedOrDumped(r, "(uid 1000)");
    }

    @Test
    void aUserNamespaceSandboxWhoseRootMapsToAHighHostUidIsRefusedToo() throws Exception {
        SandboxRecord r = start("userns-" + ProcessHandle.current().pid(), 0, true);
        String hostUid = SandboxProcesses.statusField(r.initPid(), "Uid").split("\\s+")[0];
        assertThat(hostUid).isNotEqualTo("0");
        assertRefusedOrDumped(r, "(uid " + hostUid + ")");
    }

    @Test
    void criusOwnRlimitFailureIsReportedAsNonRootTasks() throws Exception {
        SandboxRecord r = start("rawdump-" + ProcessHandle.current().pid(), 1000, false);
        Path images = Files.createDirectory(tmp.resolve("images"));
        CriuRunner criu = new CriuRunner(CriuConfig.fromEnvironment());
        CriuResult raw = criu.dump(new CriuDump(r.initPid(), images, images.resolve("dump.log"), List.of(), true,
                List.of("--external", "mnt[]")));
        if (rootMayReadRlimits) {
            assertThat(raw.succeeded()).as(String.join("\n", raw.logTail())).isTrue();
            return;
        }
        assertThat(raw.succeeded()).isFalse();
        assertThat(raw.logTail()).anyMatch(l -> l.contains("Can't get rlimit"));
        CheckpointException e = CheckpointService.criuFailure("checkpoint of " + r.name(), raw);
        assertThat(e.reason()).isEqualTo(Reason.NonRootTasks);
        assertThat(e.getMessage()).contains("non-root host uid", "CAP_SYS_RESOURCE");
        assertThat(sandboxes.runtime.inspect(r.name()).state()).isEqualTo(SandboxInfo.State.Running);
    }

    private void assertRefusedOrDumped(SandboxRecord r, String namedTask) throws Exception {
        Path dir = tmp.resolve("ckpt-" + r.name());
        if (rootMayReadRlimits) {
            assertThat(service.checkpoint(target(r), dir, true).digest()).startsWith("sha256:");
            return;
        }
        assertThatThrownBy(() -> service.checkpoint(target(r), dir, false))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.NonRootTasks);
                    assertThat(e.getMessage()).contains(r.initPid() + " " + namedTask, "non-root host uids",
                            "CAP_SYS_RESOURCE");
                });
        assertThat(dir).doesNotExist();
        assertThat(sandboxes.runtime.await(r.name(), Duration.ofMillis(300))).as("still running").isEmpty();
        assertThat(sandboxes.runtime.inspect(r.name()).state()).isEqualTo(SandboxInfo.State.Running);
    }
}
