package dev.nucleus.agent.state;

import java.io.IOException;
import java.nio.file.Path;

/** Raised when a symlink sits where the state directory expects a real file or directory. */
public final class SymlinkRefusedException extends IOException {

    private final Path path;

    public SymlinkRefusedException(Path path) {
        super("refusing symlink in the state directory: " + path);
        this.path = path;
    }

    public Path path() {
        return path;
    }

    public String reason() {
        return "SymlinkRefused";
    }
}
