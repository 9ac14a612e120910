package dev.nucleus.agent.rootfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MountPlannerTest {

    static final Path ROOT = Path.of("/state/sandboxes/a/root");
    static final Path INIT = Path.of("/state/bin/nucleus-launcher-0123");

    /** Minimal host: merged /usr, a few /etc files (shadow too, which must never be planned), some /proc entries. */
    static final class Host implements HostFiles {
        final Map<Path, Kind> kinds = new HashMap<>();
        final Map<Path, String> links = new HashMap<>();

        Host() {
            for (String d : List.of("/usr", "/etc/ssl/certs", "/etc/ssh", "/proc/sys", "/proc/acpi", "/srv/data", "/srv/rootfs", "/srv/rootfs/etc")) {
                kinds.put(Path.of(d), Kind.DIRECTORY);
            }
            for (String f : List.of("/etc/passwd", "/etc/shadow", "/etc/resolv.conf", "/proc/kcore", "/proc/kallsyms")) {
                kinds.put(Path.of(f), Kind.FILE);
            }
            kinds.put(Path.of("/bin"), Kind.SYMLINK);
            links.put(Path.of("/bin"), "usr/bin");
            kinds.put(Path.of("/srv/rootfs"), Kind.DIRECTORY);
            kinds.put(Path.of("/srv/rootfs/data"), Kind.SYMLINK);
            kinds.put(Path.of("/srv/link-to-rootfs"), Kind.SYMLINK);
        }

        @Override
        public Kind kind(Path path) {
            return kinds.getOrDefault(path, Kind.MISSING);
        }

        @Override
        public String readLink(Path path) {
            return links.get(path);
        }

        @Override
        public Path realPath(Path path) throws IOException {
            return path;
        }
    }

    static MountPlanner.Request host(List<Volume> volumes, boolean userns) {
        return new MountPlanner.Request(new RootfsSource.Host(), ROOT, Path.of("/state/u"), Path.of("/state/w"), userns, 1024, volumes, INIT);
    }

    @Test
    void hostRootfsStartsPrivateBindsSystemReadOnlyAndEndsReadOnly() throws Exception {
        List<MountOp> ops = new MountPlanner(new Host()).plan(host(List.of(), false));
        assertThat(ops.get(0)).isEqualTo(new MountOp.Mount("", "/", "", MountFlags.REC | MountFlags.PRIVATE, ""));
        assertThat(ops).contains(
                new MountOp.Mount("/usr", ROOT + "/usr", "", MountFlags.BIND | MountFlags.REC, ""),
                new MountOp.Mount("", ROOT + "/usr", "", MountFlags.REMOUNT | MountFlags.BIND | MountFlags.RDONLY | MountFlags.NOSUID | MountFlags.NODEV, ""),
                new MountOp.Symlink("usr/bin", ROOT + "/bin"),
                new MountOp.Mknod(ROOT + "/dev/null", 1, 3),
                new MountOp.Mount(ROOT + "/dev/null", ROOT + "/proc/kcore", "", MountFlags.BIND, ""));
        // after pivot_root, in the sandbox's view: its names, then the root read-only
        assertThat(MountPlanner.finish(new RootfsSource.Host(), "box")).containsExactly(
                new MountOp.File("/etc/hostname", 0644, "box\n"),
                new MountOp.File("/etc/hosts", 0644, "127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\tbox\n"),
                new MountOp.Mount("", "/", "", MountFlags.REMOUNT | MountFlags.RDONLY | MountFlags.NOSUID | MountFlags.NODEV, ""));
        assertThat(ops).noneMatch(o -> o instanceof MountOp.Mount m && m.target().equals(ROOT.toString())
                && (m.flags() & MountFlags.REMOUNT) != 0);
    }

    @Test
    void theLauncherIsBoundReadOnlyWhereTheInitRunsFromBeforeDevBecomesReadOnly() throws Exception {
        List<MountOp> ops = new MountPlanner(new Host()).plan(host(List.of(), false));
        String at = ROOT + MountPlanner.INIT_PATH;
        MountOp bind = new MountOp.Mount(INIT.toString(), at, "", MountFlags.BIND, "");
        MountOp readOnly = new MountOp.Mount("", at, "", MountFlags.REMOUNT | MountFlags.BIND | MountFlags.RDONLY
                | MountFlags.NOSUID | MountFlags.NODEV, "");
        MountOp devReadOnly = new MountOp.Mount("", ROOT + "/dev", "", MountFlags.REMOUNT | MountFlags.RDONLY
                | MountFlags.NOSUID | MountFlags.NOEXEC, "");
        assertThat(ops).containsSubsequence(new MountOp.File(at, 0555, null), bind, readOnly, devReadOnly);
    }

    @Test
    void curatedEtcNeverPlansSecrets() throws Exception {
        List<MountOp> ops = new MountPlanner(new Host()).plan(host(List.of(), false));
        assertThat(ops.toString()).contains("/etc/passwd", "/etc/ssl/certs").doesNotContain("shadow", "/etc/ssh");
    }

    @Test
    void userNamespaceBindsDeviceNodesInsteadOfMknod() throws Exception {
        List<MountOp> ops = new MountPlanner(new Host()).plan(host(List.of(), true));
        assertThat(ops).noneMatch(o -> o instanceof MountOp.Mknod)
                .contains(new MountOp.Mount("/dev/null", ROOT + "/dev/null", "", MountFlags.BIND, ""));
    }

    @Test
    void volumesAreNosuidNodevAndReadOnlyWhenAsked() throws Exception {
        List<MountOp> ops = new MountPlanner(new Host()).plan(host(List.of(
                new Volume.HostPath(Path.of("/srv/data"), "/mnt/in", true), new Volume.Tmpfs("/scratch", 4096)), false));
        assertThat(ops).contains(new MountOp.Mkdir(ROOT + "/mnt", 0755), new MountOp.Mkdir(ROOT + "/mnt/in", 0755),
                new MountOp.Mount("", ROOT + "/mnt/in", "", MountFlags.REMOUNT | MountFlags.BIND | MountFlags.NOSUID
                        | MountFlags.NODEV | MountFlags.RDONLY, ""),
                new MountOp.Mount("tmpfs", ROOT + "/scratch", "tmpfs", MountFlags.NOSUID | MountFlags.NODEV, "mode=1777,size=4096"));
    }

    @Test
    void pathRootfsIsAnOverlayWithTheUpperLayerInTheStateDirectory() throws Exception {
        var r = new MountPlanner.Request(new RootfsSource.Directory(Path.of("/srv/rootfs")), ROOT, Path.of("/state/u"),
                Path.of("/state/w"), false, 1024, List.of(), INIT);
        List<MountOp> ops = new MountPlanner(new Host()).plan(r);
        assertThat(ops.get(1)).isEqualTo(new MountOp.Mount("overlay", ROOT.toString(), "overlay",
                MountFlags.NOSUID | MountFlags.NODEV, "lowerdir=/srv/rootfs,upperdir=/state/u,workdir=/state/w"));
        // the overlay stays writable: no read-only remount of the root
        assertThat(MountPlanner.finish(new RootfsSource.Directory(Path.of("/srv/rootfs"), true), "box"))
                .noneMatch(o -> o instanceof MountOp.Mount);
    }

    @Test
    void mountTargetThroughASymlinkInsideThePathRootfsIsRefused() {
        var r = new MountPlanner.Request(new RootfsSource.Directory(Path.of("/srv/rootfs")), ROOT, Path.of("/state/u"),
                Path.of("/state/w"), false, 1024, List.of(new Volume.Tmpfs("/data/x", 10)), INIT);
        assertThatThrownBy(() -> new MountPlanner(new Host()).plan(r)).isInstanceOf(InvalidMountException.class)
                .hasMessageContaining("/srv/rootfs/data is a symlink");
    }

    @Test
    void pathRootfsThatIsMissingOrASymlinkIsRefusedBeforeLaunch() {
        for (String path : List.of("/srv/missing", "/srv/link-to-rootfs")) {
            var r = new MountPlanner.Request(new RootfsSource.Directory(Path.of(path)), ROOT, Path.of("/state/u"),
                    Path.of("/state/w"), false, 1024, List.of(), INIT);
            assertThatThrownBy(() -> new MountPlanner(new Host()).plan(r)).isInstanceOf(InvalidMountException.class)
                    .hasMessageStartingWith("rootfs.path: " + path)
                    .hasMessageContaining(path.equals("/srv/missing") ? "does not exist on this node" : "is a symlink");
        }
    }

    @Test
    void overlayOptionInjectionIsRefused() {
        var r = new MountPlanner.Request(new RootfsSource.Directory(Path.of("/srv/a,upperdir=/etc")), ROOT,
                Path.of("/state/u"), Path.of("/state/w"), false, 1024, List.of(), INIT);
        assertThatThrownBy(() -> new MountPlanner(new Host()).plan(r)).isInstanceOf(InvalidMountException.class)
                .hasMessageStartingWith("rootfs.path:");
    }
}
