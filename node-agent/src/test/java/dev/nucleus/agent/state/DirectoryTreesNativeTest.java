package dev.nucleus.agent.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nucleus.agent.state.DirectoryTrees.OnFailure;

/**
 * What each policy does when an entry cannot be removed: an immutable directory (chattr +i, root only) whose entry
 * unlink(2) refuses with EPERM, a failure that is not a vanished entry.
 */
class DirectoryTreesNativeTest {

    @TempDir
    Path tmp;

    @Test
    void aFailureFailsTheStrictPoliciesAndTheBestEffortOneDeletesAllElse() throws Exception {
        Path tree = tmp.resolve("tree");
        Path stuck = Files.createDirectories(tree.resolve("stuck"));
        Path pinned = Files.writeString(stuck.resolve("pinned"), "x");
        Files.createDirectories(tree.resolve("other/deep"));
        Files.writeString(tree.resolve("other/deep/file"), "y");
        chattr("+i", stuck);
        try {
            assertThatThrownBy(() -> DirectoryTrees.delete(tree, OnFailure.FAIL)).isInstanceOf(IOException.class);
            assertThatThrownBy(() -> DirectoryTrees.delete(tree, OnFailure.VANISHED_IS_DELETED))
                    .isInstanceOf(IOException.class);
            assertThat(pinned).exists();
            DirectoryTrees.deleteQuietly(tree);
            assertThat(pinned).exists();
            assertThat(tree.resolve("other")).doesNotExist();
        } finally {
            chattr("-i", stuck);
        }
        DirectoryTrees.delete(tree, OnFailure.FAIL);
        assertThat(tree).doesNotExist();
    }

    private static void chattr(String flag, Path dir) throws Exception {
        Process p = new ProcessBuilder("chattr", flag, dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as("chattr %s %s: %s", flag, dir, out).isZero();
    }
}
