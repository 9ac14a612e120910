package dev.nucleus.agent.rootfs;

import java.nio.file.Path;

/** Where a sandbox's root filesystem comes from. */
public sealed interface RootfsSource {

    /** The host's system directories, read-only, with a curated {@code /etc} and a fresh {@code /tmp}. */
    record Host() implements RootfsSource {
    }

    /**
     * A node directory used as the overlay's lower layer; writes go to the upper layer in the sandbox's state
     * directory, or, when not {@code writable}, the root is remounted read-only after setup.
     */
    record Directory(Path path, boolean writable) implements RootfsSource {
        public Directory(Path path) {
            this(path, true);
        }
    }
}
