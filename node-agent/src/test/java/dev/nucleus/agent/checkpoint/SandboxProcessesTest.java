package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

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
        String rss = SandboxProcesses.statusField(-1, "VmRSS");
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

    @Test
    void theTreeFromProcChildrenListsIsTheSameAsEveryProcessScanned() throws Exception {
        // sh with two children, one of which has a child of its own
        Process p = new ProcessBuilder("/bin/sh", "-c", "sleep 60 & /bin/sh -c 'sleep 60 & wait' & wait").start();
        try {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (p.descendants().count() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            java.util.Set<Long> scanned = new java.util.TreeSet<>(List.of(p.pid()));
            p.descendants().forEach(d -> scanned.add(d.pid()));
            assertThat(scanned).hasSize(4);
            assertThat(new java.util.TreeSet<>(SandboxProcesses.tree(p.pid()))).isEqualTo(scanned);
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
