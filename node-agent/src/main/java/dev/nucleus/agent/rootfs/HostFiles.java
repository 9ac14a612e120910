package dev.nucleus.agent.rootfs;

import java.io.IOException;
import java.nio.file.Path;

/** The file-system facts the mount planner needs from the host, so plans are computed and tested without root. */
public interface HostFiles {

    /** What lstat(2) says, without following a final symlink. */
    enum Kind { MISSING, DIRECTORY, FILE, SYMLINK, OTHER }

    Kind kind(Path path);

    String readLink(Path path) throws IOException;

    /** The path with every symlink and {@code ..} resolved; the file must exist. */
    Path realPath(Path path) throws IOException;
}
