package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The opt-in time namespace, crossed for real (root): the launcher's unshare(CLONE_NEWTIME) before the init's clone puts
 * the workload in a namespace of its own, cold, with a user namespace and from a warm-pool member of that shape, and the
 * workload can neither change its offsets nor leave it.
 */
class TimeNamespaceNativeTest {

    static NativeSandboxes boxes;

    @BeforeAll
    static void start() throws Exception {
        boxes = new NativeSandboxes(NativeSandboxes.unavailableButTheReaper());
    }

    @AfterAll
    static void stop() throws Exception {
        boxes.close();
    }

    static SandboxConfig base(String prefix, boolean timeNamespace) {
        return new SandboxConfig(boxes.name(prefix), List.of("/bin/true"), Map.of(), "/", new RootfsSource.Host(), List.of(),
                SandboxConfig.Resources.UNLIMITED, 0, 0, false, NetworkMode.NONE, SandboxConfig.Seccomp.UNCONFINED,
                SandboxConfig.Landlock.DISABLED, Set.of(), 0).withTimeNamespace(timeNamespace);
    }

    static String hostTimeNamespace() throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/self/ns/time")).toString();
    }

    /** One write(2) of a day's monotonic offset; dd names the errno (the shell's echo would only say "I/O error"). */
    static final String WRITE_OFFSET = "printf 'monotonic 86400 0\\n' | dd of=/proc/self/timens_offsets conv=notrunc status=none";

    static final String SHOW = "readlink /proc/self/ns/time /proc/self/ns/time_for_children; cat /proc/self/timens_offsets";

    @Test
    void theWorkloadHasItsOwnTimeNamespaceOnlyWhenAsked() throws Exception {
        String host = hostTimeNamespace();
        SandboxConfig with = base("timens", true);
        var run = boxes.sh(with, SHOW);
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines.get(0)).startsWith("time:[").isNotEqualTo(host);
        assertThat(lines.get(1)).as("its children stay in it").isEqualTo(lines.get(0));
        assertThat(run.stdout()).containsPattern("monotonic\\s+0\\s+0\\n").containsPattern("boottime\\s+0\\s+0\\n");
        assertThat(namespacesOf(with.name())).contains("time");

        SandboxConfig without = base("notimens", false);
        assertThat(boxes.sh(without, SHOW).stdout().lines().toList()).startsWith(host, host);
        assertThat(namespacesOf(without.name())).doesNotContain("time");
    }

    @Test
    void aTimeNamespaceGoesWithAUserNamespace() throws Exception {
        SandboxConfig c = base("timens-userns", true);
        c = new SandboxConfig(c.name(), c.command(), c.env(), c.workingDir(), c.rootfs(), c.volumes(), c.resources(), 0, 0,
                true, c.network(), c.seccomp(), c.landlock(), Set.of(), 0).withTimeNamespace(true);
        var run = boxes.sh(c, "readlink /proc/self/ns/time /proc/self/ns/user");
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).startsWith("time:[").isNotEqualTo(hostTimeNamespace());
        assertThat(lines.get(1)).isNotEqualTo(Files.readSymbolicLink(Path.of("/proc/self/ns/user")).toString());
        assertThat(namespacesOf(c.name())).contains("user", "time");
    }

    /**
     * Without capabilities (the default) every way to move the clocks or leave is refused: offsets (EPERM: no
     * CAP_SYS_TIME over the namespace's owner), unshare and setns (EPERM: no CAP_SYS_ADMIN). With CAP_SYS_TIME and
     * CAP_SYS_ADMIN added the offsets still cannot change: the kernel froze them when the init entered (EACCES).
     */
    @Test
    void theWorkloadCannotChangeOrLeaveIt() throws Exception {
        String attempt = "readlink /proc/self/ns/time; " + WRITE_OFFSET + " && echo WROTE; "
                + "unshare --time --fork true && echo UNSHARED; nsenter --time=/proc/1/ns/time true && echo ENTERED; "
                + "cat /proc/self/timens_offsets; readlink /proc/self/ns/time";
        var run = boxes.sh(base("timens-wall", true), attempt);
        String out = run.stdout() + run.stderr();
        assertThat(out).doesNotContain("WROTE", "UNSHARED", "ENTERED")
                .contains("error writing '/proc/self/timens_offsets': Operation not permitted")
                .contains("unshare: unshare failed: Operation not permitted")
                .contains("nsenter: reassociate to namespace 'ns/time' failed: Operation not permitted");
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines.get(lines.size() - 1)).as("still in the same namespace").isEqualTo(lines.get(0));
        assertThat(run.stdout()).containsPattern("monotonic\\s+0\\s+0\\n");

        SandboxConfig c = base("timens-caps", true);
        c = new SandboxConfig(c.name(), List.of("/bin/sh", "-c", WRITE_OFFSET + " && echo WROTE; cat /proc/self/timens_offsets"),
                c.env(), c.workingDir(), c.rootfs(), c.volumes(), c.resources(), 0, 0, false, c.network(), c.seccomp(),
                c.landlock(), Set.of("SYS_TIME", "SYS_ADMIN"), 0).withTimeNamespace(true);
        var capped = boxes.run(c);
        assertThat(capped.stdout() + capped.stderr()).doesNotContain("WROTE")
                .contains("error writing '/proc/self/timens_offsets': Permission denied");
        assertThat(capped.stdout()).containsPattern("monotonic\\s+0\\s+0\\n");
    }

    /** A pool of the time-namespace shape hands out members already in one; a spec without it launches cold. */
    @Test
    void aWarmPoolOfTheTimeNamespaceShapeServesOnlyThatShape() throws Exception {
        PoolShape shape = new PoolShape(NetworkMode.NONE, true);
        boxes.runtime.enableWarmPool(1, shape);
        try {
            assertThat(boxes.runtime.awaitWarmPool(Duration.ofSeconds(60))).as("the pool fills").isTrue();
            SandboxConfig pooled = base("timens-pooled", true).withCommand(List.of("/bin/sh", "-c", SHOW));
            SandboxRecord r = boxes.runtime.launch(pooled);
            assertThat(r.poolMember()).as("claimed a member").isNotNull();
            assertThat(stdoutOf(pooled).lines().findFirst().orElseThrow()).startsWith("time:[").isNotEqualTo(hostTimeNamespace());
            assertThat(namespacesOf(pooled.name())).contains("time");

            SandboxConfig cold = base("notimens-cold", false).withCommand(List.of("/bin/sh", "-c", SHOW));
            assertThat(boxes.runtime.launch(cold).poolMember()).as("another shape: cold").isNull();
            assertThat(stdoutOf(cold).lines().findFirst().orElseThrow()).isEqualTo(hostTimeNamespace());
        } finally {
            boxes.runtime.enableWarmPool(0, shape);
        }
    }

    private static String stdoutOf(SandboxConfig c) throws Exception {
        assertThat(boxes.runtime.await(c.name(), Duration.ofSeconds(60))).isPresent();
        return Files.readString(boxes.runtime.stateDirectory().open(c.name()).stdoutLog(), StandardCharsets.UTF_8);
    }

    @SuppressWarnings("unchecked")
    private static List<String> namespacesOf(String name) throws Exception {
        return (List<String>) boxes.runtime.read(name).isolation().get("namespaces");
    }
}
