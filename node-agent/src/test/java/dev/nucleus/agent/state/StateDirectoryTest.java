package dev.nucleus.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDirectoryTest {

    @TempDir
    Path tmp;

    @Test
    void atomicWriteIsPrivateAndReplacesWhole() throws Exception {
        Path f = tmp.resolve("state.json");
        AtomicFiles.write(f, "one".getBytes());
        AtomicFiles.write(f, "two".getBytes());
        assertThat(Files.readString(f)).isEqualTo("two");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(Files.exists(tmp.resolve("state.json.tmp"))).isFalse();
    }

    @Test
    void replaceSwapsASymlinkAtTheTargetForTheFileWithoutFollowingItAndClearsALeftoverTemp() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "keep");
        Path key = Files.createSymbolicLink(tmp.resolve("key"), victim);
        Files.writeString(tmp.resolve("key.tmp"), "interrupted");  // a write that died before its rename
        AtomicFiles.replace(key, "new".getBytes());
        assertThat(Files.isSymbolicLink(key)).isFalse();
        assertThat(Files.readString(key)).isEqualTo("new");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(Files.readString(victim)).isEqualTo("keep");
        assertThat(Files.exists(tmp.resolve("key.tmp"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        Path planted = Files.createSymbolicLink(tmp.resolve("key.tmp"), victim);
        assertThatThrownBy(() -> AtomicFiles.replace(key, "x".getBytes())).isInstanceOf(SymlinkRefusedException.class);
        assertThat(Files.isSymbolicLink(planted)).isTrue();
        assertThat(Files.readString(victim)).isEqualTo("keep");
        assertThat(Files.readString(key)).isEqualTo("new");
    }

    @Test
    void publishMakesAFirstRecordVisibleAndNeverReplacesOne() throws Exception {
        Path f = tmp.resolve("state.json");
        List<Runnable> queued = new ArrayList<>();
        AtomicFiles.Pending p = AtomicFiles.publish(f, "first".getBytes(), queued::add);
        assertThat(Files.readString(f)).isEqualTo("first");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(Files.exists(tmp.resolve("state.json.tmp"))).isFalse();
        assertThat(p.isDone()).isFalse();
        p.await();  // runs the queued fsyncs in this thread
        assertThat(p.isDone()).isTrue();
        assertThatThrownBy(() -> AtomicFiles.publish(f, "second".getBytes(), queued::add))
                .isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThat(Files.readString(f)).isEqualTo("first");
        assertThat(Files.exists(tmp.resolve("state.json.tmp"))).isFalse();
        Path victim = Files.writeString(tmp.resolve("victim"), "keep");
        Path link = Files.createSymbolicLink(tmp.resolve("linked.json"), victim);
        assertThatThrownBy(() -> AtomicFiles.publish(link, "x".getBytes(), queued::add)).isInstanceOf(SymlinkRefusedException.class);
        assertThat(Files.readString(victim)).isEqualTo("keep");
        assertThat(Files.exists(tmp.resolve("linked.json.tmp"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void publishRefusesASymlinkAtItsTempNameAndReplacesALeftoverTempFile() throws Exception {
        Path victim = Files.writeString(tmp.resolve("victim"), "keep");
        Path planted = Files.createSymbolicLink(tmp.resolve("state.json.tmp"), victim);
        List<Runnable> queued = new ArrayList<>();
        assertThatThrownBy(() -> AtomicFiles.publish(tmp.resolve("state.json"), "x".getBytes(), queued::add))
                .isInstanceOf(SymlinkRefusedException.class);
        assertThat(Files.readString(victim)).isEqualTo("keep");
        assertThat(Files.isSymbolicLink(planted)).isTrue();
        assertThat(Files.exists(tmp.resolve("state.json"), java.nio.file.LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(queued).isEmpty();
        Files.delete(planted);
        Files.writeString(tmp.resolve("state.json.tmp"), "interrupted");  // a publish that died before its link
        AtomicFiles.publish(tmp.resolve("state.json"), "first".getBytes(), queued::add).await();
        assertThat(Files.readString(tmp.resolve("state.json"))).isEqualTo("first");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("state.json")))).isEqualTo("rw-------");
        assertThat(Files.exists(tmp.resolve("state.json.tmp"))).isFalse();
    }

    @Test
    void aFifoOrDirectoryPlantedAsAStateFileIsRefusedWithoutBlocking() throws Exception {
        Path fifo = tmp.resolve("state.json");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertThat(mkfifo.waitFor()).isZero();
        // opening a FIFO for reading blocks until a writer comes: the guard fails the test instead of hanging it
        assertTimeoutPreemptively(Duration.ofSeconds(30), () ->
                assertThatThrownBy(() -> AtomicFiles.read(fifo)).hasMessageContaining("not a regular file"));
        Path dir = Files.createDirectory(tmp.resolve("exit-status"));
        assertThatThrownBy(() -> AtomicFiles.read(dir)).hasMessageContaining("not a regular file");
    }

    @Test
    void symlinksPlantedAnywhereAreRefused() throws Exception {
        Path target = Files.writeString(tmp.resolve("victim"), "keep");
        Path link = tmp.resolve("state.json");
        Files.createSymbolicLink(link, target);
        assertThatThrownBy(() -> AtomicFiles.write(link, "x".getBytes())).isInstanceOf(SymlinkRefusedException.class);
        assertThatThrownBy(() -> AtomicFiles.read(link)).isInstanceOf(SymlinkRefusedException.class);
        Files.delete(link);
        Files.createSymbolicLink(tmp.resolve("state.json.tmp"), target);
        assertThatThrownBy(() -> AtomicFiles.write(link, "x".getBytes())).isInstanceOf(SymlinkRefusedException.class);
        assertThat(Files.readString(target)).isEqualTo("keep");

        StateDirectory state = new StateDirectory(tmp.resolve("root"));
        state.create("a");
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(tmp.resolve("root/sandboxes/b"), elsewhere);
        assertThatThrownBy(() -> state.open("b")).isInstanceOf(SymlinkRefusedException.class);
        assertThatThrownBy(state::list).isInstanceOf(SymlinkRefusedException.class);
        assertThatThrownBy(() -> state.delete("b")).isInstanceOf(SymlinkRefusedException.class);
        assertThat(Files.isDirectory(elsewhere, LinkOption.NOFOLLOW_LINKS)).isTrue();

        Path linkedRoot = Files.createSymbolicLink(tmp.resolve("linked-root"), tmp.resolve("root"));
        assertThatThrownBy(() -> new StateDirectory(linkedRoot).create("c")).isInstanceOf(SymlinkRefusedException.class);
    }

    @Test
    void sandboxDirectoriesAreTraverseOnlyAndNamesAreLabels() throws Exception {
        StateDirectory state = new StateDirectory(tmp.resolve("root"));
        SandboxPaths p = state.create("web-1");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p.dir()))).isEqualTo("rwx--x--x");
        assertThat(state.list()).containsExactly("web-1");
        assertThatThrownBy(() -> state.create("web-1")).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThatThrownBy(() -> state.create("../x")).hasMessageContaining("invalid sandbox name");
        assertThatThrownBy(() -> state.create("UPPER")).hasMessageContaining("lower-case");
        state.delete("web-1");
        assertThat(state.list()).isEmpty();
        // a sandboxes/ directory of another mode (an older agent's 0700) is set back to traverse-only at a create
        Files.setPosixFilePermissions(tmp.resolve("root/sandboxes"), PosixFilePermissions.fromString("rwx------"));
        state.create("web-2");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("root/sandboxes")))).isEqualTo("rwx--x--x");
    }

    @Test
    void aSymlinkAnywhereOnTheWayToANewSandboxIsRefusedAndNothingIsCreated() throws Exception {
        Path real = Files.createDirectories(tmp.resolve("real/state"));
        Path linkedParent = Files.createSymbolicLink(tmp.resolve("via"), tmp.resolve("real"));
        assertThatThrownBy(() -> new StateDirectory(linkedParent.resolve("state")).create("a"))
                .isInstanceOf(SymlinkRefusedException.class).hasMessageContaining(linkedParent.toString());
        Path elsewhere = Files.createDirectory(tmp.resolve("elsewhere"));
        Files.createSymbolicLink(real.resolve("sandboxes"), elsewhere);
        assertThatThrownBy(() -> new StateDirectory(real).create("a")).isInstanceOf(SymlinkRefusedException.class);
        assertThat(new StateDirectory(real).createMember("1-2-3").dir()).isDirectory();  // pool/ is no symlink
        try (var left = Files.list(elsewhere)) {
            assertThat(left).isEmpty();
        }
    }
}
