package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;
import dev.nucleus.agent.node.MemInfo;

/**
 * Makes a dump's bulk durable: every regular file criu and the root archive wrote and every directory (so their
 * names are on disk too), all at once. criu itself syncs nothing. It runs alongside the hashing (writeback is disk
 * time, hashing is CPU time) and the signature, the commit point of a checkpoint, is written only after it finished:
 * a checkpoint reported complete survives a crash whole.
 *
 * <p>Two ways, the same guarantee. A small tree on a node with little other unwritten data gets one {@code syncfs}
 * of its filesystem (man 2 sync: "the same guarantees as fsync() called on every file" of the filesystem): one
 * journal commit, where a file-by-file sync of a fresh dump's ~25 files costs several (measured, session 6). Since
 * syncfs also writes every other dirty page of the filesystem, anything else gets {@code fdatasync} of each file and
 * {@code fsync} of each directory, concurrently, so they share journal commits (one after the other, ~10 ms each).
 */
final class BulkSync {

    /** {@code syncfs} of the filesystem holding a directory; an IOException when it or the writeback failed. */
    interface FilesystemSync {
        void sync(Path dir) throws IOException;
    }

    /**
     * The largest tree, and the most dirty page cache on the node beyond it, for which one syncfs is used: at this
     * VM's ~2 GB/s of writeback, flushing 16 MiB of other data costs ~8 ms, the same as the commits it saves.
     */
    static final long SYNCFS_LIMIT = 16L << 20;

    private final Thread thread;
    private final boolean wholeFilesystem;
    private volatile CheckpointException failure;
    private volatile long millis = -1;
    private boolean started;

    private static final int THREADS = 16;  // blocked in the kernel, not on a CPU

    private BulkSync(Path dir, FilesystemSync syncfs) {
        this.wholeFilesystem = syncfs != null;
        this.thread = new Thread(() -> run(dir, syncfs), "checkpoint-sync");
        thread.setDaemon(true);
    }

    /** Starts syncing everything under {@code dir} now, file by file. */
    static BulkSync start(Path dir) {
        BulkSync s = new BulkSync(dir, null);
        s.begin();
        return s;
    }

    /**
     * Syncs everything under {@code dir}: with one {@code syncfs} when the tree and the node's other unwritten data
     * ({@code dirtyBytes}: Dirty + Writeback of /proc/meminfo) are small, else file by file. File by file starts now,
     * beside the hashing; the syncfs only at {@link #begin()} (the signature's temp files written: their fsyncs then
     * wait for its journal commit instead of one more) or at {@link #await()}.
     */
    static BulkSync start(Path dir, FilesystemSync syncfs, java.util.function.LongSupplier dirtyBytes) {
        long bytes;
        try {
            bytes = treeBytes(dir);
        } catch (IOException e) {
            bytes = Long.MAX_VALUE;  // the file-by-file sync walks it again and reports what fails
        }
        boolean whole = syncfs != null && bytes <= SYNCFS_LIMIT && dirtyBytes.getAsLong() <= bytes + SYNCFS_LIMIT;
        BulkSync s = new BulkSync(dir, whole ? syncfs : null);
        if (!whole) {
            s.begin();
        }
        return s;
    }

    /** Starts the sync unless it runs already. */
    synchronized void begin() {
        if (!started) {
            started = true;
            thread.start();
        }
    }

    /** Whether it syncs with one syncfs. */
    boolean wholeFilesystem() {
        return wholeFilesystem;
    }

    /** Waits until every file and directory is on disk; throws IoFailed if one could not be synced. */
    void await() throws CheckpointException {
        begin();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException(Reason.IoFailed, "interrupted while syncing the checkpoint", e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Wall-clock milliseconds the sync took, -1 while it runs. */
    long millis() {
        return millis;
    }

    private void run(Path dir, FilesystemSync syncfs) {
        long start = System.nanoTime();
        try {
            if (syncfs != null) {
                syncfs.sync(dir);
            } else {
                syncEach(dir);
            }
        } catch (IOException | RuntimeException e) {
            failure = new CheckpointException(Reason.IoFailed, "cannot sync " + dir + " to disk: " + e.getMessage(), e);
        } catch (CheckpointException e) {
            failure = e;
        } finally {
            millis = (System.nanoTime() - start) / 1_000_000;
        }
    }

    private static long treeBytes(Path dir) throws IOException {
        long[] sum = {0};
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                sum[0] += attrs.isRegularFile() ? attrs.size() : 0;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof java.nio.file.NoSuchFileException) {
                    return FileVisitResult.CONTINUE;  // a temp file renamed meanwhile
                }
                throw e;
            }
        });
        return sum[0];
    }

    /**
     * Dirty plus Writeback of /proc/meminfo in bytes: the node's page cache not yet on disk, every filesystem
     * together (so at least what a syncfs of one of them writes); Long.MAX_VALUE when unreadable.
     */
    static long nodeDirtyBytes() {
        try {
            MemInfo m = MemInfo.read();
            OptionalLong dirty = m.bytes("Dirty");
            OptionalLong writeback = m.bytes("Writeback");
            return dirty.isPresent() && writeback.isPresent() ? dirty.getAsLong() + writeback.getAsLong() : Long.MAX_VALUE;
        } catch (IOException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void syncEach(Path dir) throws IOException, CheckpointException {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "checkpoint-sync");
            t.setDaemon(true);
            return t;
        });
        try {
            // Directories are fsync'ed alongside the files, not after them: criu has exited, so every name is in place,
            // and concurrent syncs wait for the same journal commits.
            List<Future<?>> files = new ArrayList<>();
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    files.add(pool.submit(() -> {
                        force(d, true);
                        return null;
                    }));
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    if (attrs.isRegularFile()) {
                        files.add(pool.submit(() -> {
                            force(f, false);
                            return null;
                        }));
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
            for (Future<?> f : files) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot sync " + dir + " to disk: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CheckpointException(Reason.IoFailed, "interrupted while syncing " + dir, e);
        } finally {
            pool.shutdownNow();
        }
    }

    // fdatasync for files (their size and data; the inode times do not matter), fsync for directories.
    private static void force(Path p, boolean directory) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            ch.force(directory);
        } catch (java.nio.file.NoSuchFileException e) {
            // a temp file renamed meanwhile: the atomic writes of metadata and manifest fsync their own files
        }
    }
}
