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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;

/**
 * Makes a dump's bulk durable: {@code fdatasync} of every regular file criu and the root archive wrote and
 * {@code fsync} of every directory (so their names are on disk too), all at once. criu itself syncs nothing. It runs alongside
 * the hashing (writeback is disk time, hashing is CPU time) and the signature, the commit point of a checkpoint, is
 * written only after it finished: a checkpoint reported complete survives a crash whole. The files are synced
 * concurrently: each fdatasync of a new file needs a journal commit, and concurrent ones share a commit (a dump has
 * ~20 small images; one after the other they cost ~10 ms each here).
 */
final class BulkSync {

    private final Thread thread;
    private volatile CheckpointException failure;
    private volatile long millis = -1;

    private static final int THREADS = 16;  // blocked in the kernel, not on a CPU

    private BulkSync(Path dir) {
        this.thread = new Thread(() -> run(dir), "checkpoint-sync");
        thread.setDaemon(true);
    }

    /** Starts syncing everything under {@code dir} now. */
    static BulkSync start(Path dir) {
        BulkSync s = new BulkSync(dir);
        s.thread.start();
        return s;
    }

    /** Waits until every file and directory is on disk; throws IoFailed if one could not be synced. */
    void await() throws CheckpointException {
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

    private void run(Path dir) {
        long start = System.nanoTime();
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
            failure = new CheckpointException(Reason.IoFailed, "cannot sync " + dir + " to disk: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = new CheckpointException(Reason.IoFailed, "interrupted while syncing " + dir, e);
        } catch (IOException | RuntimeException e) {
            failure = new CheckpointException(Reason.IoFailed, "cannot sync " + dir + " to disk: " + e.getMessage(), e);
        } finally {
            pool.shutdownNow();
            millis = (System.nanoTime() - start) / 1_000_000;
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
