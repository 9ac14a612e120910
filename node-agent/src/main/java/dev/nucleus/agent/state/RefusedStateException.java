package dev.nucleus.agent.state;

import java.io.IOException;
import java.nio.file.Path;

/** A state file that exists but is not a complete record (empty or torn by a power loss before its fsync): refused. */
public final class RefusedStateException extends IOException {

    public RefusedStateException(Path file, String why, Throwable cause) {
        super("state file " + file + " is refused: " + why, cause);
    }
}
