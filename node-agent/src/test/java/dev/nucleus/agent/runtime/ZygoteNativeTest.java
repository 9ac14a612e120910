package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.state.StateDirectory;
import dev.nucleus.agent.testing.TempDirs;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pre-spawned launcher: no JVM descriptor reaches it or its sandboxes, they outlive it and its JVM, it fails closed. */
class ZygoteNativeTest {

    Path root;
    Path launcher;
    LauncherZygote zygote;
    SandboxRuntime rt;
    final List<String> names = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        root = TempDirs.stateRoot("nucleus-zygote-");
        launcher = LauncherBinary.extract(root.resolve("bin"));
        zygote = LauncherZygote.of(launcher, root);
        rt = new SandboxRuntime(new StateDirectory(root), new LinuxKernel(zygote), SandboxPolicies.unavailable(), launcher);
    }

    @AfterEach
    void cleanUp() throws Exception {
        rt.close();
        SandboxRuntime any = SandboxRuntime.open(root, SandboxPolicies.unavailable());
        for (String n : names) {
            if (any.stateDirectory().exists(n)) {
                any.remove(n);
            }
        }
        TempDirs.deleteTree(root);
    }

    String name(String prefix) {
        String n = prefix + "-" + ProcessHandle.current().pid() + "-" + names.size();
        names.add(n);
        return n;
    }

    SandboxConfig looping(String prefix) {
        return LifecycleNativeTest.unconfined(name(prefix),
                List.of("/bin/sh", "-c", "trap 'exit 7' TERM; echo up; while :; do sleep 0.1; done"));
    }

    @Test
    void noJvmDescriptorReachesTheZygoteItsMonitorsOrTheirWorkloads() throws Exception {
        Path held = Files.writeString(root.resolve("held-open"), "x");
        try (var in = Files.newInputStream(held); var sock = new ServerSocket(0)) {
            SandboxRecord r = rt.launch(looping("fds"));
            awaitOutput(r.name(), "up");
            // the zygote: its lifeline pipe, /dev/null, its log and its listening socket
            List<String> z = fds(zygote.pid());
            assertThat(z).hasSize(4);
            assertThat(z.get(0)).startsWith("pipe:");
            assertThat(z.get(1)).isEqualTo("/dev/null");
            assertThat(z.get(2)).isEqualTo(root.resolve("zygote/zygote.log").toString());
            assertThat(z.get(3)).startsWith("socket:");
            // the monitor: /dev/null, the workload's pipes, its signalfd, its own files, and one socket: the
            // connection it holds so that this JVM sees its exit
            Path dir = root.resolve("sandboxes").resolve(r.name());
            List<String> m = fds(r.monitorPid());
            assertThat(m).allSatisfy(t -> assertThat(t).matches("/dev/null|pipe:\\[\\d+]|anon_inode:\\[signalfd]|socket:\\[\\d+]|"
                    + java.util.regex.Pattern.quote(dir.toString()) + "/(stdout|stderr|launcher)\\.log"));
            assertThat(m.stream().filter(t -> t.startsWith("socket:"))).hasSize(1);
            // the workload (the init's child): stdin, stdout, stderr, nothing else
            long workload = Long.parseLong(Files.readString(Path.of("/proc/" + r.initPid() + "/task/" + r.initPid() + "/children")).trim().split(" ")[0]);
            List<String> w = fds(workload);
            assertThat(w).hasSize(3);
            assertThat(w.get(0)).isEqualTo("/dev/null");
            assertThat(w.subList(1, 3)).allSatisfy(t -> assertThat(t).startsWith("pipe:"));
            assertThat(String.join(" ", z) + String.join(" ", m) + String.join(" ", w)).doesNotContain("held-open", ".jar");
            assertThat(rt.stop(r.name(), Duration.ofSeconds(10)).orElseThrow().exitCode()).isEqualTo(7);
        }
    }

    @Test
    void aWorkloadThatExitsAtOnceStillLeavesBothStartTimesInItsRecord() throws Exception {
        // the monitor is not this JVM's child: once it exited, /proc has nothing left to read its start time from
        for (int i = 0; i < 30; i++) {
            SandboxRecord r = rt.launch(LifecycleNativeTest.unconfined(name("quick"), List.of("/bin/sh", "-c", "exit 7")));
            assertThat(r.monitorStartTime()).isPositive();
            assertThat(r.initStartTime()).isPositive();
            assertThat(rt.await(r.name(), Duration.ofSeconds(30)).orElseThrow().exitCode()).isEqualTo(7);
            assertThat(rt.read(r.name()).monitorStartTime()).isEqualTo(r.monitorStartTime());
            rt.remove(r.name());
        }
    }

    @Test
    void aLaunchThatFailsBeforeItsPlanIsSentLeavesNoLauncherBehind() throws Exception {
        // The zygote forks the launcher while the plan is computed; here the plan (a refused volume, on the helper
        // thread) and then the cgroups (limits without a cgroup engine, on the caller's) fail after that fork.
        SandboxConfig base = LifecycleNativeTest.unconfined(name("vol"), List.of("/bin/true"));
        SandboxConfig badVolume = new SandboxConfig(base.name(), base.command(), base.env(), base.workingDir(), base.rootfs(),
                List.of(new dev.nucleus.agent.rootfs.Volume.HostPath(Path.of("/etc"), "/host-etc", true)), base.resources(),
                base.uid(), base.gid(), false, base.network(), base.seccomp(), base.landlock(), base.capabilitiesAdd(), 0);
        SandboxConfig limits = new SandboxConfig(name("lim"), base.command(), base.env(), base.workingDir(), base.rootfs(),
                List.of(), new SandboxConfig.Resources(64L << 20, 0, 0), base.uid(), base.gid(), false, base.network(),
                base.seccomp(), base.landlock(), base.capabilitiesAdd(), 0);
        long zygotePid = zygote.pid();
        int refused = 0;
        for (SandboxConfig c : List.of(badVolume, limits)) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> rt.launch(c)).isInstanceOf(LaunchException.class);
            assertThat(rt.stateDirectory().exists(c.name())).as("no directory left by " + c.name()).isFalse();
            refused++;
            // The zygote accepts and forks asynchronously: the launch may fail before its launcher exists. Wait for
            // that launcher's refusal in the log, then for it to be gone.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while ((emptyPlanRefusals() < refused || !children(zygotePid).isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(emptyPlanRefusals()).as("the launcher forked for " + c.name() + " refused its empty plan").isEqualTo(refused);
            assertThat(children(zygotePid)).as("the launcher forked for " + c.name() + " exited").isEmpty();
        }
        assertThat(zygote.pid()).as("the zygote itself runs on").isEqualTo(zygotePid);
    }

    private long emptyPlanRefusals() throws java.io.IOException {
        return Files.readString(root.resolve("zygote/zygote.log")).lines()
                .filter(l -> l.contains("plan: parse(missing arg/root/init")).count();
    }

    static String children(long pid) throws java.io.IOException {
        return Files.readString(Path.of("/proc/" + pid + "/task/" + pid + "/children")).trim();
    }

    @Test
    void sandboxesOutliveTheJvmThatOwnedTheZygote() throws Exception {
        String name = name("orphan");
        Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ZygoteOwner.class.getName(), root.toString(), name)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String[] line;
        try (var out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8))) {
            line = String.valueOf(out.readLine()).split(" ");
            assertThat(line[0]).isEqualTo("zygote");
            agent.destroyForcibly().waitFor();  // SIGKILL: no shutdown hook, no cleanup
        }
        long zygotePid = Long.parseLong(line[1]);
        // the zygote notices its owner is gone (its lifeline pipe closed) and leaves; it takes nothing with it
        for (int i = 0; i < 500 && ProcessHandle.of(zygotePid).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(10);
        }
        assertThat(ProcessHandle.of(zygotePid).map(ProcessHandle::isAlive).orElse(false)).as("zygote gone").isFalse();
        assertThat(Path.of(line[2])).doesNotExist();
        // the sandbox runs on, and a new agent adopts and controls it by pid + start time
        SandboxRuntime restarted = SandboxRuntime.open(root, SandboxPolicies.unavailable(), true);
        assertThat(restarted.adopt()).containsExactly(name);
        SandboxRecord r = restarted.read(name);
        assertThat(new LinuxKernel().startTime(r.initPid())).isEqualTo(OptionalLong.of(r.initStartTime()));
        awaitOutput(name, "up");
        assertThat(restarted.stop(name, Duration.ofSeconds(10)).orElseThrow().exitCode()).isEqualTo(7);
        restarted.close();
    }

    @Test
    void aZygoteThatDiedIsReplacedAndItsSandboxesRunOn() throws Exception {
        SandboxRecord first = rt.launch(looping("before"));
        long old = zygote.pid();
        ProcessHandle.of(old).orElseThrow().destroyForcibly();
        for (int i = 0; i < 500 && ProcessHandle.of(old).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(10);
        }
        var run = rt.launch(LifecycleNativeTest.unconfined(name("after"), List.of("/bin/sh", "-c", "exit 4")));
        assertThat(zygote.pid()).isNotEqualTo(old);
        assertThat(rt.await(run.name(), Duration.ofSeconds(30)).orElseThrow().exitCode()).isEqualTo(4);
        assertThat(rt.inspect(first.name()).state()).isEqualTo(SandboxInfo.State.Running);
        assertThat(rt.stop(first.name(), Duration.ofSeconds(10)).orElseThrow().exitCode()).isEqualTo(7);
    }

    @Test
    void onlyTheProcessThatStartedTheZygoteMayConnect() throws Exception {
        Path plan = Files.write(root.resolve("bogus-plan"), "nonsense 1\nx\n".getBytes(StandardCharsets.US_ASCII));
        // from its owner, the zygote forks a launcher, which refuses the plan (so a connection is served)
        try (Kernel.LauncherRun own = zygote.fork(Files.readAllBytes(plan), root.resolve("own.log"))) {
            assertThat(own.nextLine()).startsWith("fail\tplan\tparse\t");
        }
        // from any other process, even root's, the connection is closed unread
        Process intruder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ZygoteIntruder.class.getName(), zygote.socket().toString(), plan.toString())
                .redirectErrorStream(true).start();
        String out = new String(intruder.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(intruder.waitFor()).as(out).isZero();
        assertThat(out.trim()).isEqualTo("report=");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(zygote.socket().getParent())))
                .as("the socket's directory").isEqualTo("rwx------");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(zygote.socket())))
                .as("the socket").isEqualTo("rw-------");
        // and it still serves its owner
        var ok = rt.launch(LifecycleNativeTest.unconfined(name("still"), List.of("/bin/true")));
        assertThat(rt.await(ok.name(), Duration.ofSeconds(30)).orElseThrow().exitCode()).isZero();
    }

    /** Targets of a process's descriptors, in fd order. */
    static List<String> fds(long pid) throws Exception {
        List<String> targets = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : s.sorted(java.util.Comparator.comparingInt(p -> Integer.parseInt(p.getFileName().toString()))).toList()) {
                targets.add(Files.readSymbolicLink(fd).toString());
            }
        }
        return targets;
    }

    void awaitOutput(String name, String text) throws Exception {
        Path log = root.resolve("sandboxes").resolve(name).resolve("stdout.log");
        for (int i = 0; i < 500 && !(Files.exists(log) && Files.readString(log).contains(text)); i++) {
            Thread.sleep(10);
        }
        assertThat(log).content().contains(text);
    }
}
