package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.agent.rootfs.MountOp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlanEncoderTest {

    static LaunchPlan plan(List<String> argv, byte[] bpf) {
        return new LaunchPlan(List.of("/cg/cgroup.procs"), List.of("pid", "mnt"), Optional.empty(), Optional.empty(), "box",
                true, List.of(new MountOp.Mount("tmpfs", "/r", "tmpfs", 6, "size=1"), new MountOp.Mkdir("/r/tmp", 01777)),
                "/r", List.of(new MountOp.File("/etc/hostname", 0644, "box\n")), "/", List.of(new LaunchPlan.Rlimit(7, 1024, 4096)), 0x400, 1000, 1000,
                Optional.of(new LaunchPlan.LandlockRules(1, 3, 0, 0, List.of(new LaunchPlan.LandlockRules.PathRule("/tmp", 3)), List.of())),
                bpf, List.of("A=b c"), argv, "/s/out", "/s/err", "/s/status", 100, 0);
    }

    @Test
    void recordsAreLengthPrefixedAndMultiFieldValuesNulSeparated() {
        String s = new String(PlanEncoder.encode(plan(List.of("sh", "-c", "echo a\nb"), new byte[0])), StandardCharsets.ISO_8859_1);
        assertThat(s).startsWith("cgroup 16\n/cg/cgroup.procs\nns 10\n0x20020000\nlo-up 1\n1\n");  // CLONE_NEWPID | CLONE_NEWNS
        assertThat(s).contains("init 17\n/dev/nucleus-init\nhostname 3\nbox\nfin 28\nfile\0/etc/hostname\0" + "0644\0box\n\n");
        assertThat(s).contains("op 31\nmount\0tmpfs\0/r\0tmpfs\0" + "0x6\0size=1\n", "op 18\nmkdir\0/r/tmp\0" + "01777\n",
                "rlimit 11\n7\0" + "1024\0" + "4096\n", "caps 5\n0x400\n", "landlock 5\n3 0 0\n", "landlock-path 6\n3\0/tmp\n",
                "env 5\nA=b c\n", "arg 8\necho a\nb\n", "status 9\n/s/status\n", "log-limit 3\n100\n");
        assertThat(s).doesNotContain("seccomp", "deadline");
    }

    @Test
    void seccompIsOneBinaryRecord() {
        byte[] bpf = {0, 0, 0, 0, 0x7f, 0, 0, 0};
        byte[] out = PlanEncoder.encode(plan(List.of("true"), bpf));
        String s = new String(out, StandardCharsets.ISO_8859_1);
        int i = s.indexOf("seccomp 8\n");
        assertThat(i).isPositive();
        assertThat(s.substring(i + 10, i + 18).getBytes(StandardCharsets.ISO_8859_1)).isEqualTo(bpf);
    }

    @Test
    void namespacesAreOneCloneFlagsRecordAndAnUnknownNameIsRefused() {
        assertThat(PlanEncoder.cloneFlags(List.of("mnt", "pid", "uts", "ipc", "net", "user", "cgroup"))).isEqualTo(0x7e020000L);
        // CLONE_NEWTIME is 0x80, inside CSIGNAL (0xff): the launcher masks it out of clone() and unshares it instead
        assertThat(PlanEncoder.cloneFlags(List.of("mnt", "pid", "time"))).isEqualTo(0x20020080L);
        assertThatThrownBy(() -> PlanEncoder.cloneFlags(List.of("pid", "times")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("times");
    }

    @Test
    void nulInsideAValueIsRefused() {
        assertThatThrownBy(() -> PlanEncoder.encode(plan(List.of("a\0b"), new byte[0])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
    }
}
