package dev.nucleus.agent.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/** Writes and reads state files so that a reader sees the old or the new content, never a torn or redirected one. */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /**
     * Temp file opened O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600, fsync, rename over the target, fsync the directory.
     * A symlink at the target or temp name is refused rather than followed.
     */
    public static void write(Path target, byte[] content) throws IOException {
        refuseSymlink(target);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        refuseSymlink(tmp);
        Files.deleteIfExists(tmp);
        try (FileChannel ch = FileChannel.open(tmp,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /** Reads a regular file without following a symlink at its name. */
    public static byte[] read(Path file) throws IOException {
        try (SeekableByteChannel ch = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(ch.size(), 16 << 20));
            while (buf.hasRemaining() && ch.read(buf) > 0) {
                // keep reading
            }
            return java.util.Arrays.copyOf(buf.array(), buf.position());
        } catch (IOException e) {
            refuseSymlink(file);
            throw e;
        }
    }

    /** Throws {@link SymlinkRefusedException} when {@code path} itself is a symlink. */
    public static void refuseSymlink(Path path) throws SymlinkRefusedException {
        if (Files.isSymbolicLink(path)) {
            throw new SymlinkRefusedException(path);
        }
    }
}
