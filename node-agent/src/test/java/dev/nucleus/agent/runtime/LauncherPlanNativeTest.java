package dev.nucleus.agent.runtime;

import static dev.nucleus.agent.runtime.MemberProtocolNativeTest.concat;
import static dev.nucleus.agent.runtime.MemberProtocolNativeTest.record;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The launcher refuses a malformed plan before any step (exit 120, one "fail plan" line): a number that does not
 * parse is not read as 0, which for {@code ns} would be a sandbox without namespaces (runs as root).
 */
class LauncherPlanNativeTest {

    Path root;
    Path launcher;

    @BeforeEach
    void extract() throws Exception {
        root = Files.createTempDirectory("nucleus-plan-");
        launcher = LauncherBinary.extract(root.resolve("bin"));
    }

    @AfterEach
    void cleanUp() throws Exception {
        TempDirs.deleteTree(root);
    }

    /** A complete cold plan of /bin/true whose namespace mask is {@code ns}. */
    private byte[] plan(String ns) {
        return concat(record("ns", ns), record("root", "/nonexistent"), record("init", "/dev/nucleus-init"),
                record("uid", "0"), record("gid", "0"), record("arg", "/bin/true"),
                record("stdout", root.resolve("out").toString()), record("stderr", root.resolve("err").toString()),
                record("status", root.resolve("status").toString()));
    }

    private String refusal(byte[] plan) throws Exception {
        try (Kernel.LauncherRun run = new LinuxKernel().startLauncher(launcher, plan, root.resolve("launcher.log"))) {
            String line = run.nextLine();
            Process p = run.process().orElseThrow();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("the launcher's exit code for a refused plan").isEqualTo(120);
            return line;
        }
    }

    @Test
    void aMalformedNumberIsRefusedBeforeAnyStep() throws Exception {
        assertThat(refusal(plan("0x2002zz00"))).isEqualTo("fail\tplan\tparse\t22\t0x2002zz00");
        assertThat(refusal(plan(""))).isEqualTo("fail\tplan\tparse\t22\t");
        // nothing of the sandbox was made: the monitor opens the log files only after the whole plan was checked
        assertThat(root.resolve("out")).doesNotExist();
    }

    @Test
    void theSamePlanWithAWellFormedMaskGetsPastThePlan() throws Exception {
        // CLONE_NEWNS | CLONE_NEWPID: the plan is accepted, and the launch then fails at its mounts (no such root)
        try (Kernel.LauncherRun run = new LinuxKernel().startLauncher(launcher, plan("0x20020000"), root.resolve("launcher.log"))) {
            assertThat(run.nextLine()).startsWith("started\t");
            assertThat(run.nextLine()).startsWith("fail\tpivot_root\tchdir\t2\t/nonexistent");
        }
    }
}
