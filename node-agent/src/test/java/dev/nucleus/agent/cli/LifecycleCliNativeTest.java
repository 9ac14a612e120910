package dev.nucleus.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** spec.lifecycle through {@code nucleus run -f} on the real kernel: restarts, grace period, deadline, TTL, log cap. */
class LifecycleCliNativeTest {

    @TempDir
    Path tmp;

    CliResult nucleus(String... args) {
        return CliResult.run(tmp.resolve("state"), args);
    }

    @AfterEach
    void removeAll() throws Exception {
        CliResult.removeAll(tmp.resolve("state"));
    }

    /** A manifest running {@code sh -c script} with {@code lifecycle} (YAML lines under spec.lifecycle) and /data rw. */
    Path manifest(String name, String lifecycle, String script) throws Exception {
        Path data = Files.createDirectories(tmp.resolve("data-" + name));
        return Files.writeString(tmp.resolve(name + ".yaml"), String.join("\n",
                "apiVersion: nucleus.dev/v1alpha1", "kind: NucleusSandbox", "metadata:", "  name: " + name, "spec:",
                "  command: [\"/bin/sh\", \"-c\"]", "  args:", "    - '" + script.replace("'", "''") + "'",
                "  volumes:", "    - mountPath: /data", "      hostPath:", "        path: " + data, "        readOnly: false",
                "  lifecycle:", lifecycle.indent(4).stripTrailing(), ""));
    }

    /** Fails twice, then succeeds: each run counts itself in /data/n. */
    static final String FLAKY = "n=$(cat /data/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /data/n; echo run $n; [ $n -ge 3 ]";

    String inspect(String name) {
        return nucleus("inspect", name).out();
    }

    /** Polls inspect until {@code done} holds; the bound only stops a broken run from hanging the build. */
    String awaitInspect(String name, Predicate<String> done) throws Exception {
        String last = inspect(name);
        for (int i = 0; i < 1200 && !done.test(last); i++) {
            Thread.sleep(50);
            last = inspect(name);
        }
        assertThat(done).as("inspect never matched; last:\n" + last).accepts(last);
        return last;
    }

    static boolean supervisorRunning(String name) {
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().commandLine().orElse("").endsWith(" supervise " + name));
    }

    @Test
    void onFailureRestartsInTheForegroundUntilTheWorkloadSucceeds() throws Exception {
        CliResult r = nucleus("run", "-f", manifest("flaky", "restartPolicy: OnFailure", FLAKY).toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("run 1\nrun 2\nrun 3\n");
        assertThat(inspect("flaky")).contains("\"restartCount\" : 2", "\"reason\" : \"Completed\"");
        assertThat(nucleus("logs", "flaky").out()).as("a restart appends to the logs").isEqualTo("run 1\nrun 2\nrun 3\n");
    }

    @Test
    void onFailureRestartsADetachedSandboxAfterTheCliHasReturned() throws Exception {
        CliResult d = nucleus("run", "-d", "-f", manifest("flaky-bg", "restartPolicy: OnFailure", FLAKY).toString());
        assertThat(d.code()).as(d.err()).isZero();
        awaitInspect("flaky-bg", s -> s.contains("\"restartCount\" : 2") && s.contains("\"reason\" : \"Completed\""));
        assertThat(nucleus("logs", "flaky-bg").out()).isEqualTo("run 1\nrun 2\nrun 3\n");
        for (int i = 0; i < 600 && supervisorRunning("flaky-bg"); i++) {
            Thread.sleep(50);
        }
        assertThat(supervisorRunning("flaky-bg")).as("the supervisor ends with its sandbox").isFalse();
    }

    @Test
    void stopEndsRestartsAndUsesTheManifestsGracePeriod() throws Exception {
        // The trap needs 2 s after SIGTERM: a 1 s grace period kills it (137), the default 10 s would let it exit 7.
        String slowTrap = "trap \"sleep 2; exit 7\" TERM; echo up; while :; do sleep 0.1; done";
        nucleus("run", "-d", "-f", manifest("graceful", "restartPolicy: OnFailure\nstopGracePeriodSeconds: 1", slowTrap).toString());
        awaitLog("graceful", "up");
        assertThat(nucleus("stop", "graceful").out()).contains("graceful: Signaled (137)");
        for (int i = 0; i < 600 && supervisorRunning("graceful"); i++) {
            Thread.sleep(50);
        }
        assertThat(supervisorRunning("graceful")).as("stop ends the restart loop").isFalse();
        assertThat(inspect("graceful")).contains("\"restartCount\" : 0", "\"state\" : \"Exited\"");
    }

    @Test
    void activeDeadlineSecondsEndsTheRunWithDeadlineExceededAndIsNotRestarted() throws Exception {
        CliResult r = nucleus("run", "-f", manifest("late", "restartPolicy: OnFailure\nactiveDeadlineSeconds: 1",
                "echo started; sleep 1000").toString());
        assertThat(r.code()).isEqualTo(137);
        assertThat(r.err()).contains("late ended: DeadlineExceeded (signal 9)");
        assertThat(inspect("late")).contains("\"reason\" : \"DeadlineExceeded\"", "\"restartCount\" : 0");
    }

    @Test
    void psRemovesDetachedSandboxesOnceTheirTtlAfterFinishingHasPassed() throws Exception {
        nucleus("run", "-d", "-f", manifest("brief", "ttlSecondsAfterFinished: 0", "echo bye").toString());
        nucleus("run", "-d", "-f", manifest("kept", "restartPolicy: Never", "echo bye").toString());
        awaitInspect("brief", s -> s.contains("\"state\" : \"Exited\""));
        awaitInspect("kept", s -> s.contains("\"state\" : \"Exited\""));
        CliResult ps = nucleus("ps");
        assertThat(ps.err()).contains("removed brief (finished longer than its ttlSecondsAfterFinished ago)");
        assertThat(ps.out()).doesNotContain("brief").containsPattern("kept\\s+Exited");
        assertThat(tmp.resolve("state/sandboxes/brief")).doesNotExist();
    }

    @Test
    void logLimitFlagCapsEachLog() throws Exception {
        CliResult r = nucleus("run", "--name", "chatty", "--log-limit", "1Ki", "--", "/bin/sh", "-c",
                "head -c 5000 /dev/zero | tr \"\\000\" a; echo done >&2");
        assertThat(r.code()).as(r.err()).isZero();
        String log = Files.readString(tmp.resolve("state/sandboxes/chatty/stdout.log"));
        assertThat(log).startsWith("a".repeat(1024) + "\n[nucleus: log size limit reached");
        assertThat(Files.readString(tmp.resolve("state/sandboxes/chatty/stderr.log"))).isEqualTo("done\n");
        CliResult zero = nucleus("run", "--log-limit", "0", "--", "true");
        assertThat(zero.code()).isEqualTo(2);
        assertThat(zero.err()).startsWith("nucleus: --log-limit: '0' is not a byte quantity");
    }

    void awaitLog(String name, String text) throws Exception {
        Path log = tmp.resolve("state/sandboxes").resolve(name).resolve("stdout.log");
        for (int i = 0; i < 1200 && !(Files.exists(log) && Files.readString(log).contains(text)); i++) {
            Thread.sleep(50);
        }
        assertThat(log).content().contains(text);
    }
}
