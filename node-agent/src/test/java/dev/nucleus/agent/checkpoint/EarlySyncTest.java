package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dump's early sync never opens what is not a regular file (a FIFO would block it, and with it the checkpoint)
 * and never writes; the checkpoint's own files are created exclusively, never through a planted name.
 */
class EarlySyncTest {

    @TempDir
    Path dir;

    @Test
    void aFifoOrSymlinkAmongTheImagesNeitherBlocksNorIsFollowedAndNothingChanges() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        Path fifo = images.resolve("planted.fifo");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();
        Path outside = Files.writeString(dir.resolve("outside"), "untouched");
        Files.createSymbolicLink(images.resolve("link.img"), outside);
        Path archive = Files.writeString(dir.resolve("rootfs.tar"), "tar");
        Files.writeString(images.resolve("core-1.img"), "core");

        EarlySync sync = EarlySync.start(List.of(archive, fifo), images);
        Thread.sleep(60);  // several polls: every file seen at least twice
        Files.writeString(images.resolve("pages-1.img"), "x".repeat(4096));
        Thread.sleep(30);
        // A blocked open of the FIFO would never return, and close() waits for the thread.
        assertThat(CompletableFuture.runAsync(sync::close)).succeedsWithin(Duration.ofSeconds(5));

        assertThat(Files.isSymbolicLink(images.resolve("link.img"))).isTrue();
        assertThat(Files.readString(outside)).isEqualTo("untouched");
        assertThat(Files.readString(images.resolve("core-1.img"))).isEqualTo("core");
        assertThat(Files.readString(images.resolve("pages-1.img"))).hasSize(4096);
    }

    @Test
    void closingWhenTheDirectoryIsGoneEndsPromptly() throws Exception {
        EarlySync sync = EarlySync.start(List.of(dir.resolve("missing")), dir.resolve("no-images"));
        CompletableFuture<Void> closed = CompletableFuture.runAsync(sync::close);
        assertThat(closed).succeedsWithin(Duration.ofSeconds(5));
        assertThat(dir.resolve("missing")).doesNotExist();
        assertThat(dir.resolve("no-images")).doesNotExist();
    }

    @Test
    void aCheckpointFileIsCreatedExclusivelyWithMode0600AndNeverThroughAPlantedName() throws Exception {
        Path stdio = dir.resolve("stdio");
        AtomicFiles.writeNew(stdio, "pipe:[1]\n".getBytes());
        assertThat(Files.readString(stdio)).isEqualTo("pipe:[1]\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stdio))).isEqualTo("rw-------");

        assertThatThrownBy(() -> AtomicFiles.writeNew(stdio, "again".getBytes()))
                .isInstanceOfSatisfying(CheckpointException.class,
                        e -> assertThat(e.reason()).isEqualTo(CheckpointException.Reason.OutputNotEmpty));
        Path target = Files.writeString(dir.resolve("target"), "victim");
        Path link = Files.createSymbolicLink(dir.resolve("rootfs.tar"), target);
        assertThatThrownBy(() -> AtomicFiles.writeNew(link, "evil".getBytes())).isInstanceOf(CheckpointException.class);
        assertThat(Files.readString(target)).isEqualTo("victim");
        assertThat(Files.readString(stdio)).isEqualTo("pipe:[1]\n");
    }
}
