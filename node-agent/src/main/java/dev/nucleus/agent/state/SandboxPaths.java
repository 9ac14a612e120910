package dev.nucleus.agent.state;

import java.nio.file.Path;

/** The one place that knows the file names inside a sandbox's state directory. */
public record SandboxPaths(Path dir) {

    public Path stateFile() {
        return dir.resolve("state.json");
    }

    public Path exitStatus() {
        return dir.resolve("exit-status");
    }

    public Path stdoutLog() {
        return dir.resolve("stdout.log");
    }

    public Path stderrLog() {
        return dir.resolve("stderr.log");
    }

    /** Present once stop or rm asked the sandbox to end: nothing may start it again. */
    public Path stopRequested() {
        return dir.resolve("stop-requested");
    }

    /** Diagnostics of the launcher process itself (its stderr). */
    public Path launcherLog() {
        return dir.resolve("launcher.log");
    }

    /** Mount point of the sandbox's root; its mounts exist only inside the sandbox's mount namespace. */
    public Path rootMount() {
        return dir.resolve("root");
    }

    /** Overlay upper layer for {@code rootfs.path}: the sandbox's writes land here and vanish with {@code rm}. */
    public Path overlayUpper() {
        return overlay().resolve("upper");
    }

    public Path overlayWork() {
        return overlay().resolve("work");
    }

    /** 0700, owned by the sandbox's root (its mapped host uid with a user namespace), holding upper and work. */
    public Path overlay() {
        return dir.resolve("overlay");
    }
}
