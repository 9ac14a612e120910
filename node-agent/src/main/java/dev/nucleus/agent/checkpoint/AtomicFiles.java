package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;

/**
 * Checkpoint files written and read the way the original nucleus did: temp file opened
 * O_CREAT|O_EXCL|O_NOFOLLOW mode 0600, fsync, rename over the target, fsync the directory; reads with O_NOFOLLOW.
 */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /** Writes {@code bytes} to {@code target} atomically; a symlink at the temp path is refused, never followed. */
    public static void write(Path target, byte[] bytes) throws CheckpointException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            clearStaleTemp(tmp);
            // CREATE_NEW is O_CREAT|O_EXCL (which never follows a symlink) and NOFOLLOW_LINKS adds O_NOFOLLOW.
            try (FileChannel ch = dev.nucleus.agent.state.AtomicFiles.createWith(tmp, bytes)) {
                ch.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(target.toAbsolutePath().getParent());
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new CheckpointException(Reason.SymlinkRefused, "temp file " + tmp + " appeared while writing", e);
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** A step that must finish before {@link #writeAll} renames its files into place. */
    interface BeforeRename {
        void run() throws CheckpointException;
    }

    /**
     * Writes the files {@code names} (in {@code dir}) atomically like {@link #write}, with one journal commit for
     * their data and one for their names instead of two each: every temp file is written, then all are fsync'ed
     * concurrently; then {@code before} runs, the temps are renamed in order and the directory is fsync'ed once.
     */
    static void writeAll(Path dir, List<String> names, List<byte[]> contents, BeforeRename before)
            throws CheckpointException {
        writeAll(dir, names, contents, () -> { }, before);
    }

    /**
     * Like {@link #writeAll(Path, List, List, BeforeRename)}, running {@code written} once every temp file is written
     * and before they are fsync'ed: a sync that must cover them (a syncfs) starts there and shares their commit.
     */
    static void writeAll(Path dir, List<String> names, List<byte[]> contents, Runnable written, BeforeRename before)
            throws CheckpointException {
        List<FileChannel> open = new ArrayList<>();
        List<Path> temps = new ArrayList<>();
        try {
            try {
                for (int i = 0; i < names.size(); i++) {
                    Path tmp = dir.resolve(names.get(i) + ".tmp");
                    clearStaleTemp(tmp);
                    open.add(dev.nucleus.agent.state.AtomicFiles.createWith(tmp, contents.get(i)));
                    temps.add(tmp);
                }
                written.run();
                forceTogether(open);
            } finally {
                for (FileChannel ch : open) {
                    ch.close();
                }
            }
            before.run();
            for (int i = 0; i < names.size(); i++) {
                Files.move(temps.get(i), dir.resolve(names.get(i)), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
            }
            fsyncDirectory(dir);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new CheckpointException(Reason.SymlinkRefused, "temp file " + e.getFile() + " appeared while writing", e);
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot write " + names + " in " + dir + ": "
                    + e.getMessage(), e);
        }
    }

    // fsync of every channel at the same time (one thread each but the first), so they wait for the same commit.
    private static void forceTogether(List<FileChannel> channels) throws IOException {
        List<Thread> threads = new ArrayList<>();
        IOException[] failure = new IOException[channels.size()];
        for (int i = 1; i < channels.size(); i++) {
            int n = i;
            Thread t = new Thread(() -> {
                try {
                    channels.get(n).force(true);
                } catch (IOException e) {
                    failure[n] = e;
                }
            }, "checkpoint-fsync");
            t.start();
            threads.add(t);
        }
        try {
            channels.get(0).force(true);
        } finally {
            for (Thread t : threads) {
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while syncing", e);
                }
            }
        }
        for (IOException e : failure) {
            if (e != null) {
                throw e;
            }
        }
    }

    /**
     * Creates {@code target} (O_CREAT|O_EXCL|O_NOFOLLOW, 0600) with {@code bytes}, not synced: for a file of a
     * checkpoint tree, which the checkpoint's sync makes durable with the images before it is signed.
     */
    static void writeNew(Path target, byte[] bytes) throws CheckpointException {
        try {
            dev.nucleus.agent.state.AtomicFiles.createWith(target, bytes).close();
        } catch (java.nio.file.FileAlreadyExistsException e) {
            throw new CheckpointException(Reason.OutputNotEmpty, target + " appeared while writing the checkpoint", e);
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Reads a regular file without following a symlink at its final component. */
    public static byte[] read(Path file, Reason whenMissing) throws CheckpointException {
        try {
            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (attrs.isSymbolicLink()) {
                throw new CheckpointException(Reason.SymlinkRefused, file + " is a symlink");
            }
            if (!attrs.isRegularFile()) {
                throw new CheckpointException(Reason.SpecialFileRefused, file + " is not a regular file");
            }
            // O_NOFOLLOW on the open itself closes the window between the check above and the read.
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                ByteBuffer buf = ByteBuffer.allocate(Math.toIntExact(ch.size()));
                while (buf.hasRemaining() && ch.read(buf) >= 0) {
                    // keep reading until the recorded size is in
                }
                return buf.array();
            }
        } catch (NoSuchFileException e) {
            throw new CheckpointException(whenMissing, file + " does not exist", e);
        } catch (FileSystemException e) {
            if (Files.isSymbolicLink(file)) {
                throw new CheckpointException(Reason.SymlinkRefused, file + " is a symlink", e);
            }
            throw new CheckpointException(Reason.IoFailed, "cannot read " + file + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Creates {@code dir} with mode 0700 unless it exists; an existing symlink or non-directory is refused. */
    public static void createPrivateDirectory(Path dir) throws CheckpointException {
        try {
            if (Files.isSymbolicLink(dir)) {
                throw new CheckpointException(Reason.SymlinkRefused, dir + " is a symlink");
            }
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                    throw new CheckpointException(Reason.InvalidRequest, dir + " exists and is not a directory");
                }
                return;
            }
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    // The original's rule: a leftover temp file is removed, but a symlink planted there is an attack and refused.
    private static void clearStaleTemp(Path tmp) throws IOException, CheckpointException {
        if (Files.isSymbolicLink(tmp)) {
            throw new CheckpointException(Reason.SymlinkRefused, "refusing to write through symlink " + tmp);
        }
        Files.deleteIfExists(tmp);
    }

    private static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
