package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.state.IdRangeAllocator;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Namespace, network, filesystem and privilege walls, each proven by trying to cross it (runs as root). */
class NamespaceWallsNativeTest {

    static NativeSandboxes boxes;

    @BeforeAll
    static void start() throws IOException {
        boxes = new NativeSandboxes(SandboxPolicies.unavailable());
    }

    @AfterAll
    static void stop() throws Exception {
        boxes.close();
    }

    /** Everything on except the policy engines (seccomp, Landlock), which have their own tests. */
    static SandboxConfig base(String prefix) {
        SandboxConfig d = SandboxConfig.defaults(boxes.name(prefix), List.of("/bin/true"));
        return new SandboxConfig(d.name(), d.command(), Map.of(), "/", new RootfsSource.Host(), List.of(),
                SandboxConfig.Resources.UNLIMITED, 0, 0, false, NetworkMode.NONE, SandboxConfig.Seccomp.UNCONFINED,
                SandboxConfig.Landlock.DISABLED, Set.of(), 0);
    }

    @Test
    void hostProcessesAreInvisible() throws Exception {
        long agentPid = ProcessHandle.current().pid();
        var run = boxes.sh(base("pids"), "echo self=$$; ls /proc | grep -E '^[0-9]+$' | tr '\\n' ' '; echo; cat /proc/" + agentPid + "/status 2>&1 | head -1");
        assertThat(run.stdout()).contains("self=2");
        String pids = run.stdout().lines().skip(1).findFirst().orElseThrow().trim();
        // only the init (pid 1), the shell (pid 2) and the short-lived ls/grep/tr children exist in the pid namespace
        assertThat(pids.split(" ")).allSatisfy(p -> assertThat(Long.parseLong(p)).isLessThan(10));
        assertThat(run.stdout()).contains("No such file or directory");
    }

    @Test
    void hostnameChangeStaysInside() throws Exception {
        String hostBefore = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
        SandboxConfig c = base("uts");
        c = new SandboxConfig(c.name(), c.command(), c.env(), c.workingDir(), c.rootfs(), c.volumes(), c.resources(), 0, 0,
                false, NetworkMode.NONE, c.seccomp(), c.landlock(), Set.of("SYS_ADMIN"), 0);
        var run = boxes.sh(c, "hostname; hostname changed-inside && hostname");
        assertThat(run.stdout()).startsWith(c.name() + "\n").contains("changed-inside");
        assertThat(Files.readString(Path.of("/proc/sys/kernel/hostname")).trim()).isEqualTo(hostBefore);
    }

    @Test
    void networkNoneCannotReachAHostListener() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(300);
            String probe = "exec 3<>/dev/tcp/127.0.0.1/" + server.getLocalPort() + " && echo connected || echo refused; cat /proc/net/dev | tail -n +3 | cut -d: -f1";
            var none = boxes.run(base("net").withCommand(List.of("/bin/bash", "-c", probe)));
            assertThat(none.stdout()).contains("refused").doesNotContain("connected");
            assertThat(none.stdout().lines().map(String::trim).filter(l -> !l.isEmpty() && !l.equals("refused")).toList())
                    .containsExactly("lo");
            assertThatNoConnection(server);
            // the same probe with network Host does connect: the test can tell the difference
            SandboxConfig c = base("nethost");
            c = new SandboxConfig(c.name(), List.of("/bin/bash", "-c", probe), c.env(), c.workingDir(), c.rootfs(),
                    c.volumes(), c.resources(), 0, 0, false, NetworkMode.HOST, c.seccomp(), c.landlock(), Set.of(), 0);
            assertThat(boxes.run(c).stdout()).contains("connected");
        }
    }

    private static void assertThatNoConnection(ServerSocket server) throws IOException {
        try (var s = server.accept()) {
            throw new AssertionError("a sandbox with network None reached the host listener from " + s.getRemoteSocketAddress());
        } catch (SocketTimeoutException expected) {
            // nothing came through
        }
    }

    @Test
    void systemDirectoriesAndRootAreReadOnly() throws Exception {
        var run = boxes.sh(base("rofs"), "for p in /usr/x /bin/x /etc/x /x /dev/x; do touch $p 2>&1; done; echo ok > /tmp/w && cat /tmp/w; echo s > /dev/shm/s && cat /dev/shm/s");
        assertThat(run.stderr() + run.stdout()).contains("touch: cannot touch '/usr/x': Read-only file system",
                "touch: cannot touch '/bin/x': Read-only file system", "touch: cannot touch '/etc/x': Read-only file system",
                "touch: cannot touch '/x': Read-only file system", "touch: cannot touch '/dev/x': Read-only file system");
        assertThat(run.stdout()).contains("ok\n", "s\n");
    }

    @Test
    void curatedEtcHasNoHostSecrets() throws Exception {
        var run = boxes.sh(base("etc"), "ls -a /etc; ls /etc/shadow /etc/ssh /etc/ssl/private 2>&1; cat /etc/hostname");
        assertThat(run.stdout()).contains("passwd", "resolv.conf").doesNotContain("shadow\n", "sudoers");
        assertThat(run.stdout() + run.stderr()).contains("cannot access '/etc/shadow'", "cannot access '/etc/ssh'",
                "cannot access '/etc/ssl/private'");
    }

    @Test
    void noCapabilitiesAndNoNewPrivileges() throws Exception {
        var run = boxes.sh(base("caps"), "grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)' /proc/self/status");
        assertThat(run.stdout()).contains("CapInh:\t0000000000000000", "CapPrm:\t0000000000000000",
                "CapEff:\t0000000000000000", "CapBnd:\t0000000000000000", "CapAmb:\t0000000000000000", "NoNewPrivs:\t1");
    }

    @Test
    void addedCapabilityIsTheOnlyOne() throws Exception {
        SandboxConfig c = base("capadd");
        c = new SandboxConfig(c.name(), c.command(), c.env(), c.workingDir(), c.rootfs(), c.volumes(), c.resources(), 1000,
                1000, false, NetworkMode.NONE, c.seccomp(), c.landlock(), Set.of("NET_BIND_SERVICE"), 0);
        var run = boxes.sh(c, "id -u; grep -E '^(CapEff|CapBnd|CapAmb)' /proc/self/status");
        assertThat(run.stdout()).contains("1000\n", "CapEff:\t0000000000000400", "CapBnd:\t0000000000000400",
                "CapAmb:\t0000000000000400");
    }

    @Test
    void setuidBinaryDoesNotElevate(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path id = dir.resolve("id");
        Files.copy(Path.of("/usr/bin/id"), id);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        new ProcessBuilder("chmod", "4755", id.toString()).start().waitFor();
        SandboxConfig c = base("suid");
        c = new SandboxConfig(c.name(), List.of("/data/id", "-u"), c.env(), c.workingDir(), c.rootfs(),
                List.of(new dev.nucleus.agent.rootfs.Volume.HostPath(dir, "/data", true)), c.resources(), 1000, 1000, false,
                NetworkMode.NONE, c.seccomp(), c.landlock(), Set.of(), 0);
        var run = boxes.run(c);
        assertThat(Files.getPosixFilePermissions(id)).contains(java.nio.file.attribute.PosixFilePermission.OWNER_EXECUTE);
        assertThat(run.stdout().trim()).isEqualTo("1000");
    }

    @Test
    void sensitiveProcEntriesAreMasked() throws Exception {
        var run = boxes.sh(base("proc"), "for f in kcore kallsyms timer_list keys sched_debug; do printf \"$f=\"; cat /proc/$f 2>/dev/null | wc -c; done;"
                + " echo h > /proc/sysrq-trigger 2>&1 || echo sysrq-denied; echo 1 > /proc/sys/kernel/ns_last_pid 2>&1 || echo sys-denied");
        assertThat(run.stdout()).contains("kcore=0", "kallsyms=0", "timer_list=0", "keys=0", "sysrq-denied", "sys-denied");
        assertThat(Files.readAllBytes(Path.of("/proc/kallsyms")).length).as("the host still sees kallsyms").isGreaterThan(0);
    }

    @Test
    void noAgentFileDescriptorLeaks(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("held-open"), "x");
        try (var held = Files.newInputStream(f); var sock = new ServerSocket(0)) {
            // ls is exec'd directly: it holds stdin, stdout, stderr and its own directory handle (3), nothing else
            var run = boxes.run(base("fds").withCommand(List.of("/bin/ls", "-l", "/proc/self/fd")));
            List<String> fds = run.stdout().lines().filter(l -> l.contains(" -> ")).map(l -> l.substring(l.indexOf(':') + 4)).toList();
            assertThat(fds).hasSize(4);
            assertThat(fds.get(0)).isEqualTo("0 -> /dev/null");
            assertThat(fds.get(1)).startsWith("1 -> pipe:");
            assertThat(fds.get(2)).startsWith("2 -> pipe:");
            assertThat(fds.get(3)).matches("3 -> /proc/\\d+/fd");
            assertThat(run.stdout()).doesNotContain("held-open", "socket:");
        }
    }

    @Test
    void concurrentUserNamespacedSandboxesGetDisjointRanges() throws Exception {
        List<SandboxConfig> configs = new java.util.ArrayList<>();
        for (String p : List.of("usera", "userb", "userc")) {
            SandboxConfig c = base(p);
            configs.add(new SandboxConfig(c.name(), List.of("/bin/sh", "-c", "cat /proc/self/uid_map"), c.env(), c.workingDir(),
                    c.rootfs(), c.volumes(), c.resources(), 0, 0, true, NetworkMode.NONE, c.seccomp(), c.landlock(), Set.of(), 0));
        }
        // one runtime per launch, as separate CLI processes would have; they share only the state directory
        var pool = java.util.concurrent.Executors.newFixedThreadPool(configs.size());
        var go = new java.util.concurrent.CountDownLatch(1);
        List<java.util.concurrent.Future<SandboxRecord>> launched = new java.util.ArrayList<>();
        for (SandboxConfig c : configs) {
            launched.add(pool.submit(() -> {
                go.await();
                return SandboxRuntime.open(boxes.stateRoot, SandboxPolicies.unavailable()).launch(c);
            }));
        }
        go.countDown();
        java.util.Set<String> maps = new java.util.HashSet<>();
        for (int i = 0; i < configs.size(); i++) {
            launched.get(i).get();
            String name = configs.get(i).name();
            boxes.runtime.await(name, java.time.Duration.ofSeconds(60)).orElseThrow();
            String map = Files.readString(boxes.runtime.stateDirectory().open(name).stdoutLog()).trim().replaceAll("\\s+", " ");
            assertThat(map).isEqualTo("0 " + boxes.runtime.hostIdRange(name).orElseThrow() + " 65536");
            maps.add(map);
        }
        pool.shutdown();
        assertThat(maps).hasSize(configs.size());
        boxes.runtime.remove(configs.get(0).name());
        assertThat(boxes.runtime.hostIdRange(configs.get(0).name())).as("rm frees the range").isEmpty();
    }

    @Test
    void userNamespaceMapsToAnUnprivilegedRange() throws Exception {
        SandboxConfig c = base("userns");
        c = new SandboxConfig(c.name(), c.command(), c.env(), c.workingDir(), c.rootfs(), c.volumes(), c.resources(), 0, 0,
                true, NetworkMode.NONE, c.seccomp(), c.landlock(), Set.of(), 0);
        var run = boxes.sh(c, "cat /proc/self/uid_map /proc/self/gid_map; id -u; echo x > /tmp/ok && cat /tmp/ok");
        long base = boxes.runtime.hostIdRange(c.name()).orElseThrow();
        assertThat(run.stdout().replaceAll("[ ]+", " ")).contains(" 0 " + base + " 65536\n").contains("\n0\n", "x\n");
        assertThat(base).isGreaterThanOrEqualTo(IdRangeAllocator.DEFAULT_BASE);
    }
}
