package dev.nucleus.agent.rootfs;

import java.nio.file.Path;

/** Where a sandbox's root filesystem comes from. */
public sealed interface RootfsSource {

    /** The host's system directories, read-only, with a curated {@code /etc} and a fresh {@code /tmp}. */
    record Host() implements RootfsSource {
    }

    /** A node directory used as the overlay's lower layer; writes go to the sandbox's state directory. */
    record Directory(Path path) implements RootfsSource {
    }
}
