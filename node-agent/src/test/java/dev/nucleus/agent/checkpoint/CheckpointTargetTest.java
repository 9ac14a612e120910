package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxRecord;

class CheckpointTargetTest {

    @Test
    void aLauncherSandboxBecomesATargetWithKeyedVolumesLimitsAndIsolationFacts() {
        SandboxConfig d = SandboxConfig.defaults("web", List.of("/bin/sh"));
        SandboxConfig config = new SandboxConfig("web", d.command(), d.env(), d.workingDir(), d.rootfs(),
                List.of(new Volume.HostPath(Path.of("/srv/a"), "/data", false), new Volume.Tmpfs("/scratch", 1 << 20),
                        new Volume.HostPath(Path.of("/srv/b"), "/cache", true)),
                new SandboxConfig.Resources(64L << 20, 500, 32), 0, 0, true, d.network(), d.seccomp(), d.landlock(),
                Set.of(), 0);
        SandboxRecord record = new SandboxRecord("web", List.of("/bin/sh"), 0, 10, 1, 11, 2, "hybrid", Map.of());

        CheckpointTarget t = CheckpointTarget.of(record, config, null, false);

        assertThat(t.initPid()).isEqualTo(11);
        assertThat(t.volumes()).extracting(ExternalMount::dumpSpec).containsExactly("mnt[/data]:vol0", "mnt[/cache]:vol2");
        assertThat(t.limits()).isEqualTo(new ResourceLimits(64L << 20, 50_000L, 100_000L, 32L, null));
        assertThat(t.landlock()).isTrue();
        assertThat(t.rootless()).isTrue();
    }
}
