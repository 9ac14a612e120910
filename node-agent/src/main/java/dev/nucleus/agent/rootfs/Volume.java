package dev.nucleus.agent.rootfs;

import java.nio.file.Path;

/** A volume mounted into the sandbox, at {@code target} inside the sandbox's view. */
public sealed interface Volume {

    String target();

    /** A host directory or file, bound nosuid/nodev, read-only unless asked otherwise. */
    record HostPath(Path source, String target, boolean readOnly) implements Volume {
    }

    /** A fresh tmpfs of a validated size. */
    record Tmpfs(String target, long sizeBytes) implements Volume {
    }
}
