package dev.nucleus.agent.rootfs;

/** One step of the mount plan, with host paths; the launcher executes these in order inside the new mount namespace. */
public sealed interface MountOp {

    /** mkdir (an existing directory is fine) then chmod. */
    record Mkdir(String path, int mode) implements MountOp {
    }

    /** Creates or truncates a file, optionally with content (a mount point for a file bind, /etc/hostname...). */
    record File(String path, int mode, String content) implements MountOp {
    }

    record Symlink(String target, String link) implements MountOp {
    }

    /** A character device node (only as real root; a user namespace binds the host's nodes instead). */
    record Mknod(String path, int major, int minor) implements MountOp {
    }

    /** mount(2) verbatim; empty strings are passed as NULL. */
    record Mount(String source, String target, String fsType, long flags, String data) implements MountOp {
    }
}
