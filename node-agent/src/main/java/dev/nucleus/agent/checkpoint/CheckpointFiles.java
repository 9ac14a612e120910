package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;
import dev.nucleus.agent.state.AtomicFiles;
import dev.nucleus.agent.state.SymlinkRefusedException;

/**
 * Checkpoint files written and read the way the original nucleus did, with the checkpoint's reasons: written by
 * {@link AtomicFiles} (temp file O_CREAT|O_EXCL|O_NOFOLLOW 0600, fsync, rename, fsync the directory), the manifest and
 * signature as one batch; read with O_NOFOLLOW, regular files only.
 */
public final class CheckpointFiles {

    private CheckpointFiles() {
    }

    /** Writes {@code bytes} to {@code target} atomically; a symlink at the temp path is refused, never followed. */
    public static void write(Path target, byte[] bytes) throws CheckpointException {
        try {
            AtomicFiles.replace(target, bytes);
        } catch (SymlinkRefusedException e) {
            throw refused(e);
        } catch (FileAlreadyExistsException e) {
            throw new CheckpointException(Reason.SymlinkRefused,
                    "temp file " + AtomicFiles.tempFor(target) + " appeared while writing", e);
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
                    Path tmp = AtomicFiles.tempFor(dir.resolve(names.get(i)));
                    AtomicFiles.clearStaleTemp(tmp);
                    open.add(AtomicFiles.createWith(tmp, contents.get(i)));
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
                AtomicFiles.rename(temps.get(i), dir.resolve(names.get(i)));
            }
            AtomicFiles.fsyncDirectory(dir);
        } catch (SymlinkRefusedException e) {
            throw refused(e);
        } catch (FileAlreadyExistsException e) {
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
            AtomicFiles.createWith(target, bytes).close();
        } catch (FileAlreadyExistsException e) {
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
    private static CheckpointException refused(SymlinkRefusedException e) {
        return new CheckpointException(Reason.SymlinkRefused, "refusing to write through symlink " + e.path(), e);
    }
}
