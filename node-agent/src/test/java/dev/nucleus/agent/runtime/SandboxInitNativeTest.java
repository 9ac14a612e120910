package dev.nucleus.agent.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import java.io.IOException;
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
 * The sandbox's own pid 1 (the launcher's init) on the real kernel, under the full default walls (Default seccomp,
 * Landlock, non-root, no capabilities): it forwards stop signals to a workload that never installed a handler,
 * reaps orphans, and hands the workload's exact status to the monitor.
 */
class SandboxInitNativeTest {

    static NativeSandboxes boxes;

    @BeforeAll
    static void start() throws IOException {
        boxes = new NativeSandboxes(NodePolicies.system("nucleus-test"));
    }

    @AfterAll
    static void stop() throws Exception {
        boxes.close();
    }

    static SandboxConfig walled(String prefix, String script) {
        return new SandboxConfig(boxes.name(prefix), List.of("/bin/sh", "-c", script), Map.of(), "/", new RootfsSource.Host(),
                List.of(), SandboxConfig.Resources.UNLIMITED, 1000, 1000, false, NetworkMode.NONE,
                SandboxConfig.Seccomp.DEFAULT, SandboxConfig.Landlock.DEFAULT, Set.of(), 0);
    }

    @Test
    void stopEndsAShellWithoutATrapBySigtermNotByTheEscalation() throws Exception {
        // As pid 1 this shell would ignore SIGTERM and stop would have to kill it after the grace period.
        SandboxConfig c = walled("term", "echo up; sleep 1000");
        boxes.runtime.launch(c);
        awaitOutput(c.name(), "up");
        ExitStatus s = boxes.runtime.stop(c.name(), Duration.ofMinutes(5)).orElseThrow();
        assertThat(s.signal()).as("the workload died of the forwarded SIGTERM, not of the cgroup kill").isEqualTo(15);
        assertThat(s.reason()).isEqualTo(ExitStatus.SIGNALED);
        assertThat(s.shellCode()).isEqualTo(143);
    }

    @Test
    void theWorkloadIsNotPidOneAndPidOneIsTheInit() throws Exception {
        var run = boxes.sh(walled("pid1", ""), "echo self=$$; cat /proc/1/comm; grep -E '^(Seccomp|NoNewPrivs|CapEff):' /proc/1/status");
        assertThat(run.exit().exitCode()).isZero();
        assertThat(run.stdout()).contains("self=2\n", "nucleus-init\n", "Seccomp:\t2", "NoNewPrivs:\t1",
                "CapEff:\t0000000000000000");
    }

    @Test
    void orphanedGrandchildrenAreReparentedToTheInitAndReaped() throws Exception {
        String script = String.join("\n",
                "sh -c 'sleep 1000 & echo $! > /tmp/orphan'",  // the middle shell exits at once: its child is orphaned
                "p=$(cat /tmp/orphan)",
                "echo ppid=$(cut -d' ' -f4 /proc/$p/stat)",
                "kill $p",
                // an unreaped orphan stays a zombie forever, so its /proc entry would never go away
                "i=0; while [ -e /proc/$p ] && [ $i -lt 3000 ]; do sleep 0.01; i=$((i+1)); done",
                "[ -e /proc/$p ] && echo \"not reaped: $(cat /proc/$p/stat)\" || echo reaped",
                "for f in /proc/[0-9]*/stat; do cut -d' ' -f3 $f; done | grep -c Z");
        var run = boxes.sh(walled("orphan", ""), script);
        assertThat(run.stdout()).contains("ppid=1\n", "reaped\n").doesNotContain("not reaped").endsWith("\n0\n");
    }

    @Test
    void exitCodesAndSignalDeathsAreReportedExactly() throws Exception {
        var code = boxes.sh(walled("code", ""), "exit 201");
        assertThat(code.exit().exitCode()).isEqualTo(201);
        assertThat(code.exit().signal()).isZero();
        assertThat(code.exit().reason()).isEqualTo(ExitStatus.ERROR);
        var zero = boxes.sh(walled("zero", ""), "true");
        assertThat(zero.exit().reason()).isEqualTo(ExitStatus.COMPLETED);
        // 138 as an exit code must stay an exit code, and a real SIGUSR1 death must stay a signal
        var lookalike = boxes.sh(walled("lookalike", ""), "exit 138");
        assertThat(lookalike.exit().exitCode()).isEqualTo(138);
        assertThat(lookalike.exit().signal()).isZero();
        var usr1 = boxes.sh(walled("usr1", ""), "kill -USR1 $$");
        assertThat(usr1.exit().signal()).isEqualTo(10);
        assertThat(usr1.exit().exitCode()).isEqualTo(-1);
        assertThat(usr1.exit().reason()).isEqualTo(ExitStatus.SIGNALED);
    }

    @Test
    void signalsSentToTheMonitorReachTheWorkloadsHandlers() throws Exception {
        SandboxConfig c = walled("hup", "trap 'echo got-hup' HUP; trap 'echo got-int; exit 9' INT; echo up; "
                + "while :; do sleep 0.05; done");
        SandboxRecord r = boxes.runtime.launch(c);
        awaitOutput(c.name(), "up");
        new ProcessBuilder("kill", "-HUP", Long.toString(r.monitorPid())).start().waitFor();
        awaitOutput(c.name(), "got-hup");
        new ProcessBuilder("kill", "-INT", Long.toString(r.monitorPid())).start().waitFor();
        ExitStatus s = boxes.runtime.await(c.name(), Duration.ofSeconds(60)).orElseThrow();
        assertThat(s.exitCode()).isEqualTo(9);
        assertThat(Files.readString(boxes.runtime.stateDirectory().open(c.name()).stdoutLog())).contains("got-hup\n", "got-int\n");
    }

    @Test
    void aSignalTheAgentIgnoresIsAtItsDefaultInTheWorkload() throws Exception {
        // nohup starts the CLI with SIGHUP ignored, a disposition that survives exec into everything it starts; a
        // shell cannot trap a signal that was ignored on entry, so only a reset in the init makes the trap fire.
        Path state = Files.createTempDirectory("nucleus-nohup");
        Process cli = new ProcessBuilder("nohup", Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.nucleus.agent.cli.NucleusCli",
                "--state-dir=" + state, "--cgroup-root=nucleus-test", "run", "--rm", "--", "/bin/sh", "-c",
                "grep SigIgn /proc/self/status; trap 'echo got-hup' HUP; kill -HUP $$; echo after")
                .redirectErrorStream(true).start();
        String out = new String(cli.getInputStream().readAllBytes());
        assertThat(cli.waitFor()).as(out).isZero();
        assertThat(out).contains("got-hup\nafter\n").containsPattern("SigIgn:\\s+[0-9a-f]*[02468ace]\\n");
        try (var left = Files.list(state.resolve("sandboxes"))) {
            assertThat(left).as("--rm leaves no sandbox directory").isEmpty();
        }
    }

    @Test
    void theMonitorsShortSliceIsNeitherInheritedNorKept() throws Exception {
        assertNoSandboxProcessKeepsAShortSlice(boxes, walled("slice", ""));
    }

    /**
     * The monitor's 0.1 ms scheduler slice while it waits for the exec (README.md, "Order of steps") is set after the
     * init's clone, which would inherit it (so would the workload, and preempt others on every wake-up), and ends with
     * that wait: the monitor copies the logs with the default slice again, the one the init and the workload have.
     */
    static void assertNoSandboxProcessKeepsAShortSlice(NativeSandboxes boxes, SandboxConfig template) throws Exception {
        SandboxConfig c = template.withCommand(List.of("/bin/sh", "-c", "grep se.slice /proc/self/sched; echo up; sleep 60"));
        SandboxRecord r = boxes.launch(c);
        awaitOutput(boxes, c.name(), "up");
        long workload = slice(Files.readString(boxes.runtime.stateDirectory().open(c.name()).stdoutLog()));
        long init = slice(Files.readString(Path.of("/proc/" + r.initPid() + "/sched")));
        assertThat(init).isNotEqualTo(100_000).isEqualTo(workload);
        assertThat(slice(Files.readString(Path.of("/proc/" + r.monitorPid() + "/sched")))).isEqualTo(init);
        boxes.runtime.stop(c.name(), Duration.ofSeconds(10));
    }

    private static long slice(String procSched) {
        var m = java.util.regex.Pattern.compile("se\\.slice\\s+:\\s+(\\d+)").matcher(procSched);
        assertThat(m.find()).as(procSched).isTrue();
        return Long.parseLong(m.group(1));
    }

    static void awaitOutput(String name, String text) throws Exception {
        awaitOutput(boxes, name, text);
    }

    static void awaitOutput(NativeSandboxes boxes, String name, String text) throws Exception {
        Path log = boxes.stateRoot.resolve("sandboxes").resolve(name).resolve("stdout.log");
        for (int i = 0; i < 3000 && !(Files.exists(log) && Files.readString(log).contains(text)); i++) {
            Thread.sleep(10);
        }
        assertThat(log).content().contains(text);
    }
}
