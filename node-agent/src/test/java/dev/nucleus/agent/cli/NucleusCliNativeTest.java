package dev.nucleus.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI end to end on the real kernel: manifests kubectl takes, flags, exit codes and one-line errors. */
class NucleusCliNativeTest {

    @TempDir
    Path tmp;

    CliResult nucleus(String... args) {
        return CliResult.run(tmp.resolve("state"), args);
    }

    static Path example(String name) {
        return Path.of("..", "docs", "examples", name).toAbsolutePath().normalize();
    }

    @Test
    void theHelloManifestRunsInTheForegroundWithItsWalls() throws Exception {
        CliResult r = nucleus("run", "--rm", "-f", example("hello-sandbox.yaml").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("hello from hello, pid 2", "CapEff:\t0000000000000000", "NoNewPrivs:\t1", "Seccomp:\t2");
    }

    @Test
    void theLandlockManifestProvesItsWall() throws Exception {
        CliResult r = nucleus("run", "--rm", "-f", example("landlock-sandbox.yaml").toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("write to /work: allowed", "write to /etc: denied");
    }

    @Test
    void theTimeNamespaceManifestAndFlagRunInTheirOwnAndInspectSaysSo() throws Exception {
        String host = Files.readSymbolicLink(Path.of("/proc/self/ns/time")).toString();
        CliResult f = nucleus("run", "--rm", "-f", example("timens-sandbox.yaml").toString());
        assertThat(f.code()).as(f.err()).isZero();
        assertThat(f.out()).contains("time namespace time:[").doesNotContain(host).containsPattern("monotonic\\s+0\\s+0\\n");
        CliResult flag = nucleus("run", "--name", "tns", "--timens", "--", "/bin/sh", "-c", "readlink /proc/self/ns/time");
        assertThat(flag.code()).as(flag.err()).isZero();
        assertThat(flag.out()).startsWith("time:[").doesNotContain(host);
        assertThat(nucleus("inspect", "tns").out()).containsPattern("\"namespaces\" : \\[ [^]]*\"time\" \\]");
        assertThat(nucleus("rm", "tns").code()).isZero();
        CliResult both = nucleus("run", "--timens", "-f", example("timens-sandbox.yaml").toString());
        assertThat(both.code()).isEqualTo(2);
        assertThat(both.err()).startsWith("nucleus: --file: cannot be combined with sandbox flags");
    }

    @Test
    void foregroundRunExitsWithTheWorkloadsCodeAndDetachedSandboxesAreManaged() throws Exception {
        assertThat(nucleus("run", "--rm", "--name", "code", "--", "/bin/sh", "-c", "echo out; exit 42").code()).isEqualTo(42);
        CliResult d = nucleus("run", "-d", "--name", "bg", "--memory", "64Mi", "--pids", "16", "--", "/bin/sh", "-c", "trap '' TERM; echo started; exec sleep 600");
        assertThat(d.code()).isZero();
        assertThat(d.out().trim()).isEqualTo("bg");
        assertThat(nucleus("ps").out()).containsPattern("bg\\s+Running");
        CliResult inspect = nucleus("inspect", "bg");
        assertThat(inspect.out()).contains("\"profile\" : \"Default\"", "\"memoryBytes\" : 67108864", "\"network\" : \"None\"");
        assertThat(nucleus("stop", "-t", "0", "bg").out()).contains("bg: Signaled (137)");
        assertThat(nucleus("logs", "bg").out()).isEqualTo("started\n");
        assertThat(nucleus("rm", "bg").code()).isZero();
        assertThat(tmp.resolve("state/sandboxes/bg")).doesNotExist();
    }

    @Test
    void badFlagsAndSpecsGiveOneLineNamingTheFieldAndExitTwo() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.yaml"), "apiVersion: nucleus.dev/v1alpha1\nkind: NucleusSandbox\n"
                + "metadata:\n  name: bad\nspec:\n  command: [\"/bin/true\"]\n  resources:\n    memory: 12Q\n");
        for (String[] args : new String[][] {
            {"run", "--memory", "12Q", "--", "true"},
            {"run", "--network", "bridge", "--", "true"},
            {"run", "--volume", "/etc:/data", "--", "true"},
            {"run", "--cap-add", "FLY", "--", "true"},
            {"run", "--bogus"},
            {"run", "-f", bad.toString()}}) {
            CliResult r = nucleus(args);
            assertThat(r.code()).as(String.join(" ", args) + ": " + r.err()).isEqualTo(2);
            assertThat(r.err().lines().count()).as(r.err()).isEqualTo(1);
        }
        assertThat(nucleus("run", "-f", bad.toString()).err()).startsWith("nucleus: spec.resources.memory: '12Q'");
        assertThat(nucleus("run", "--volume", "/etc:/data", "--", "true").err()).contains("volumes[0].path").contains("sensitive");
        Path io = Files.writeString(tmp.resolve("io.yaml"), "apiVersion: nucleus.dev/v1alpha1\nkind: NucleusSandbox\n"
                + "metadata:\n  name: io\nspec:\n  command: [\"/bin/true\"]\n  resources:\n    ioWeight: 100\n");
        CliResult refused = nucleus("run", "-f", io.toString());
        assertThat(refused.code()).as("a limit that would not be enforced is refused, not ignored").isEqualTo(2);
        assertThat(refused.err()).startsWith("nucleus: spec.resources.ioWeight:");
    }
}
