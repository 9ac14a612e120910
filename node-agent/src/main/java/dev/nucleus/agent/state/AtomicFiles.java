package dev.nucleus.agent.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.FutureTask;

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
        replace(target, content);
    }

    /**
     * The one temp-file sequence every state and checkpoint file goes through: a leftover temp file is removed (a
     * symlink there refused), {@link #createWith}, fsync, {@link #rename} over {@code target}, fsync the directory.
     * Unlike {@link #write} it does not look at {@code target}: rename(2) replaces a symlink there, never follows it.
     */
    public static void replace(Path target, byte[] content) throws IOException {
        Path tmp = tempFor(target);
        clearStaleTemp(tmp);
        try (FileChannel ch = createWith(tmp, content)) {
            ch.force(true);
        }
        rename(tmp, target);
        fsyncDirectory(target.toAbsolutePath().getParent());
    }

    /** The temp name next to {@code target} that its content is written under before the rename. */
    public static Path tempFor(Path target) {
        return target.resolveSibling(target.getFileName() + ".tmp");
    }

    /** Removes a regular file left at {@code tmp} by an interrupted write; a symlink planted there is refused. */
    public static void clearStaleTemp(Path tmp) throws IOException {
        refuseSymlink(tmp);
        Files.deleteIfExists(tmp);
    }

    /** rename(2) of a written and synced temp file over {@code target}: readers see the old or the new file. */
    public static void rename(Path tmp, Path target) throws IOException {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** fsync of {@code dir}, which makes the names created or renamed in it durable. */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * Creates {@code file} O_CREAT|O_EXCL (which never follows a symlink) with O_NOFOLLOW and mode 0600, writes all of
     * {@code content} and returns the channel, still open and not synced: every state and checkpoint file starts here.
     */
    public static FileChannel createWith(Path file, byte[] content) throws IOException {
        FileChannel ch = FileChannel.open(file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            return ch;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Makes the FIRST record at {@code target} visible now and durable soon: temp file O_CREAT|O_EXCL|O_NOFOLLOW 0600,
     * written whole, then hard-linked to {@code target} (link(2) fails if the name exists, so this never replaces a
     * record: a replacement goes through {@link #write}, fsync before rename) and the temp name unlinked. The file's
     * and the directory's fsync run on {@code syncer}. A reader sees nothing or the whole content at every instant the
     * kernel lives; after a power loss before {@link Pending#await} returned the name may be missing, empty or torn,
     * which the state loader refuses (docs/security-model.md, "State durability"). It is on a launch's critical path,
     * so the names are looked at only when a call fails: the create and the link each refuse an existing name, a
     * symlink included, and only then is a symlink reported as such (and a leftover temp file, not a symlink, removed).
     */
    public static Pending publish(Path target, byte[] content, Executor syncer) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        FileChannel ch = createReplacingLeftover(tmp, content);
        try {
            Files.createLink(target, tmp);
            Files.delete(tmp);
        } catch (IOException | RuntimeException e) {
            ch.close();
            Files.deleteIfExists(tmp);
            if (e instanceof FileAlreadyExistsException) {
                refuseSymlink(target);
            }
            throw e;
        }
        Pending pending = new Pending(() -> {
            try (ch) {
                ch.force(true);
            }
            try (FileChannel dir = FileChannel.open(target.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            }
            return System.nanoTime();
        });
        syncer.execute(pending.task);
        return pending;
    }

    /** {@link #createWith}, after removing a regular file left at {@code tmp} by an interrupted publish (a symlink is refused). */
    private static FileChannel createReplacingLeftover(Path tmp, byte[] content) throws IOException {
        try {
            return createWith(tmp, content);
        } catch (FileAlreadyExistsException leftover) {
            refuseSymlink(tmp);
            Files.delete(tmp);
            return createWith(tmp, content);
        }
    }

    /** The fsyncs of a {@link #publish}ed record, running or queued. */
    public static final class Pending {
        private final FutureTask<Long> task;

        Pending(java.util.concurrent.Callable<Long> sync) {
            this.task = new FutureTask<>(sync);
        }

        /** Whether the record is durable (or its fsync failed: {@link #await} then says how). */
        public boolean isDone() {
            return task.isDone();
        }

        /**
         * Returns once the record is durable, running the fsyncs in this thread if the syncer has not started them;
         * returns the {@link System#nanoTime()} at which they completed.
         */
        public long await() throws IOException {
            task.run();  // no-op when already started or done
            boolean interrupted = false;
            try {
                while (true) {
                    try {
                        return task.get();
                    } catch (InterruptedException e) {
                        interrupted = true;  // a half-joined fsync must not be mistaken for a durable record
                    }
                }
            } catch (ExecutionException e) {
                throw e.getCause() instanceof IOException io ? io
                        : new IOException("fsync of a state record failed: " + e.getCause(), e.getCause());
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /**
     * Reads a regular file without following a symlink at its name. Anything else found there is refused before it is
     * opened: a FIFO planted in its place would block the reader (the agent's restart) until someone wrote to it.
     */
    public static byte[] read(Path file) throws IOException {
        BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (attrs.isSymbolicLink()) {
            throw new SymlinkRefusedException(file);
        }
        if (!attrs.isRegularFile()) {
            throw new IOException("refusing " + file + ": not a regular file");
        }
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
