package dev.nucleus.agent.rootfs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.agent.runtime.LinuxKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostSystemFactsTest {

    /** The planner's test host, counting lookups, with directory stamps a test can change. */
    static final class CountingHost implements HostFiles {
        final MountPlannerTest.Host files = new MountPlannerTest.Host();
        final Map<Path, String> stamps = new HashMap<>(Map.of(Path.of("/"), "1", Path.of("/etc"), "1", Path.of("/etc/ssl"), "1"));
        final List<Path> lookups = new ArrayList<>();

        @Override
        public Kind kind(Path path) {
            lookups.add(path);
            return files.kind(path);
        }

        @Override
        public String readLink(Path path) {
            lookups.add(path);
            return files.readLink(path);
        }

        @Override
        public Path realPath(Path path) {
            lookups.add(path);
            return path;
        }

        @Override
        public Optional<String> changeStamp(Path dir) {
            return Optional.ofNullable(stamps.get(dir));
        }
    }

    static List<MountOp> plan(HostSystemFacts facts, CountingHost host, List<Volume> volumes) throws Exception {
        return new MountPlanner(host, facts.forLaunch()).plan(MountPlannerTest.host(volumes, false));
    }

    @Test
    void guardsTheCacheWithEveryAncestorOfACachedPath() {
        assertThat(new HostSystemFacts(new CountingHost()).watchedDirectories())
                .containsExactlyInAnyOrder(Path.of("/"), Path.of("/etc"), Path.of("/etc/ssl"));
    }

    @Test
    void aSecondPlanWithUnchangedDirectoriesReadsNoHostSystemPathAndIsTheSamePlan() throws Exception {
        CountingHost host = new CountingHost();
        HostSystemFacts facts = new HostSystemFacts(host);
        List<MountOp> first = plan(facts, host, List.of());
        assertThat(host.lookups).contains(Path.of("/usr"), Path.of("/bin"), Path.of("/etc/passwd"));
        host.lookups.clear();
        List<MountOp> second = plan(facts, host, List.of());
        assertThat(second).isEqualTo(first).isEqualTo(new MountPlanner(new MountPlannerTest.Host()).plan(MountPlannerTest.host(List.of(), false)));
        assertThat(host.lookups).doesNotContainAnyElementsOf(MountPlanner.hostSystemPaths());
        assertThat(host.lookups).as("/proc is asked every time").contains(Path.of("/proc/kcore"), Path.of("/proc/sys"));
    }

    @Test
    void aChangedEntryInAWatchedDirectoryIsSeenByTheNextPlan() throws Exception {
        CountingHost host = new CountingHost();
        HostSystemFacts facts = new HostSystemFacts(host);
        plan(facts, host, List.of());
        // resolv.conf replaced by a symlink: that rename changes /etc's stamp
        host.files.kinds.put(Path.of("/etc/resolv.conf"), HostFiles.Kind.SYMLINK);
        host.files.links.put(Path.of("/etc/resolv.conf"), "/run/resolv.conf");
        host.stamps.put(Path.of("/etc"), "2");
        assertThat(plan(facts, host, List.of()))
                .contains(new MountOp.Symlink("/run/resolv.conf", MountPlannerTest.ROOT + "/etc/resolv.conf"));
    }

    @Test
    void volumesAreValidatedAgainstTheHostOnEveryLaunch() throws Exception {
        CountingHost host = new CountingHost();
        HostSystemFacts facts = new HostSystemFacts(host);
        List<Volume> data = List.of(new Volume.HostPath(Path.of("/srv/data"), "/opt/data", true));
        plan(facts, host, data);
        host.lookups.clear();
        plan(facts, host, data);
        assertThat(host.lookups).contains(Path.of("/srv/data"));
        // /opt is cached as a host system directory, but a volume's own paths never come from the cache
        assertThat(facts.forLaunch().kind(Path.of("/srv/data"))).isEqualTo(HostFiles.Kind.DIRECTORY);
        host.files.kinds.put(Path.of("/srv/data"), HostFiles.Kind.SYMLINK);
        assertThat(facts.forLaunch().kind(Path.of("/srv/data"))).isEqualTo(HostFiles.Kind.SYMLINK);
    }

    @Test
    void withoutStampsNothingIsCached() throws Exception {
        CountingHost host = new CountingHost();
        host.stamps.remove(Path.of("/etc/ssl"));
        HostSystemFacts facts = new HostSystemFacts(host);
        plan(facts, host, List.of());
        host.lookups.clear();
        plan(facts, host, List.of());
        assertThat(host.lookups).contains(Path.of("/usr"), Path.of("/etc/passwd"));
    }

    /**
     * The premise, on the real kernel: creating, replacing or renaming an entry changes its directory's stamp, and a
     * directory changed within the last second has none (nothing is cached from it until its timestamps settled).
     */
    @Test
    void theRealStampChangesWithEveryEntryChange(@TempDir Path dir) throws Exception {
        HostFiles real = new LinuxKernel();
        List<String> stamps = new ArrayList<>();
        stamps.add(settled(real, dir));
        Files.writeString(dir.resolve("resolv.conf"), "nameserver 10.0.0.1\n");
        assertThat(real.changeStamp(dir)).as("just changed").isEmpty();
        stamps.add(settled(real, dir));
        Files.writeString(dir.resolve("new"), "x");
        Files.move(dir.resolve("new"), dir.resolve("resolv.conf"), StandardCopyOption.REPLACE_EXISTING);
        stamps.add(settled(real, dir));
        Files.delete(dir.resolve("resolv.conf"));
        Files.createSymbolicLink(dir.resolve("resolv.conf"), Path.of("/run/resolv.conf"));
        stamps.add(settled(real, dir));
        assertThat(stamps).doesNotHaveDuplicates();
        assertThat(real.changeStamp(dir)).hasValue(stamps.get(3));
    }

    private static String settled(HostFiles real, Path dir) throws InterruptedException {
        Thread.sleep(1100);
        return real.changeStamp(dir).orElseThrow();
    }
}
