package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;

/** Which way a checkpoint tree is made durable, and that a failed sync fails it. */
class BulkSyncTest {

    @TempDir
    Path dir;

    private final List<Path> syncfsCalls = new ArrayList<>();

    private BulkSync.FilesystemSync recording() {
        return syncfsCalls::add;
    }

    private void smallTree() throws IOException {
        Files.createDirectory(dir.resolve("images"));
        Files.write(dir.resolve("images/pages-1.img"), new byte[70_000]);
        Files.write(dir.resolve("rootfs.tar"), new byte[20_000]);
    }

    @Test
    void aSmallTreeOnANodeWithLittleUnwrittenDataIsSyncedWithOneSyncfsOfItsFilesystem() throws Exception {
        smallTree();
        BulkSync s = BulkSync.start(dir, recording(), () -> 4L << 20);
        assertThat(s.wholeFilesystem()).isTrue();
        Thread.sleep(50);
        assertThat(syncfsCalls).as("the syncfs waits for begin(), so it covers files written until then").isEmpty();
        s.begin();
        s.await();
        assertThat(syncfsCalls).containsExactly(dir);
        assertThat(s.millis()).isNotNegative();
    }

    @Test
    void awaitAloneStartsADeferredSyncfs() throws Exception {
        smallTree();
        BulkSync s = BulkSync.start(dir, recording(), () -> 0);
        s.await();
        assertThat(syncfsCalls).containsExactly(dir);
    }

    @Test
    void otherUnwrittenDataBeyondTheLimitMakesItSyncFileByFileInstead() throws Exception {
        smallTree();
        BulkSync s = BulkSync.start(dir, recording(), () -> 90_000 + BulkSync.SYNCFS_LIMIT + 1);
        s.await();
        assertThat(s.wholeFilesystem()).isFalse();
        assertThat(syncfsCalls).isEmpty();
    }

    @Test
    void aTreeLargerThanTheLimitIsSyncedFileByFile() throws Exception {
        smallTree();
        Files.write(dir.resolve("images/pages-2.img"), new byte[(int) BulkSync.SYNCFS_LIMIT]);
        BulkSync s = BulkSync.start(dir, recording(), () -> 0);
        s.await();
        assertThat(s.wholeFilesystem()).isFalse();
        assertThat(syncfsCalls).isEmpty();
    }

    @Test
    void aFailedSyncfsFailsTheSyncWithItsReason() throws Exception {
        smallTree();
        BulkSync s = BulkSync.start(dir, d -> {
            throw new IOException("syncfs(" + d + "): failed (errno 5)");
        }, () -> 0);
        assertThatThrownBy(s::await).isInstanceOfSatisfying(CheckpointException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.IoFailed);
            assertThat(e.getMessage()).contains("errno 5");
        });
    }

    @Test
    void withoutAFilesystemSyncEveryFileIsSyncedOnItsOwn() throws Exception {
        smallTree();
        BulkSync s = BulkSync.start(dir);
        s.await();
        assertThat(s.wholeFilesystem()).isFalse();
    }

    @Test
    void theNodesUnwrittenDataIsReadFromMeminfo() {
        long dirty = BulkSync.nodeDirtyBytes();
        assertThat(dirty).isNotNegative().isLessThan(Long.MAX_VALUE);
    }
}
