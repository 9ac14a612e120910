package dev.nucleus.agent.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import dev.nucleus.agent.state.DirectoryTrees;

/** Test fixture: throw-away directories of the native tests, an agent state root made as on a node, and their removal. */
public final class TempDirs {

    private TempDirs() {
    }

    /**
     * A fresh state root under the system's temp directory, mode 0711 as on a node: a user-namespaced sandbox's root
     * must traverse it, nobody may list it.
     */
    public static Path stateRoot(String prefix) throws IOException {
        Path root = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx--x--x"));
        return root;
    }

    /** Deletes {@code dir} and everything below it, no symlink followed; a file that will not go is left behind. */
    public static void deleteTree(Path dir) throws IOException {
        DirectoryTrees.delete(dir, DirectoryTrees.OnFailure.IGNORE);
    }
}
