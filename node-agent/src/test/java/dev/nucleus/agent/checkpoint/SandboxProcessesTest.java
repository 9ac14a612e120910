package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** What /proc says about a process tree before a dump: refusals, and the memory that sizes the page follower. */
class SandboxProcessesTest {

    @Test
    void kilobytesReadsTheStatusUnitAndCountsAnythingElseAsNothing() {
        assertThat(SandboxProcesses.kilobytes("1234 kB")).isEqualTo(1234);
        assertThat(SandboxProcesses.kilobytes("0 kB")).isZero();
        assertThat(SandboxProcesses.kilobytes(null)).isZero();
        assertThat(SandboxProcesses.kilobytes("12 MB")).isZero();
        assertThat(SandboxProcesses.kilobytes("-5 kB")).isZero();
    }

    @Test
    void aLiveTreeReportsAtLeastItsRootsResidentMemory() throws Exception {
        long self = ProcessHandle.current().pid();
        String rss = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmRSS:"))
                .findFirst().orElseThrow().substring("VmRSS:".length()).strip();
        long tree = SandboxProcesses.requireDumpable(self);  // tests run as root: no non-root task to refuse
        // This JVM's resident memory, read just before, is far above the 16 MiB a page piece needs; the tree
        // (this JVM and whatever it forked) holds at least about that much.
        assertThat(tree).isGreaterThan(ParallelHash.CHUNK)
                .isGreaterThan(SandboxProcesses.kilobytes(rss) * 1024 / 2);
    }

    @Test
    void aProcessThatIsGoneIsRefusedAsNotRunning() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        assertThatThrownBy(() -> SandboxProcesses.requireDumpable(p.pid())).isInstanceOfSatisfying(
                CheckpointException.class, e -> assertThat(e.reason()).isEqualTo(CheckpointException.Reason.NotRunning));
    }
}
