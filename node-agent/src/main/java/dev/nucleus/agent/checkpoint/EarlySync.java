package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts a dump's durability while criu still runs: every few milliseconds it looks at criu's images and
 * {@code fdatasync}s each one whose size held still for a poll (criu has most likely closed it) and changed since
 * it last synced it, or that grew by {@link #STEP} (a page image being written), so the data's writeback and most
 * journal commits happen during the dump instead of after it. It proves nothing: it is best effort and stops when criu exits, and
 * {@link BulkSync} then syncs every file once more (nearly free for a file that did not change since) before the
 * signature; a file it could not sync is simply left to that pass.
 */
final class EarlySync implements AutoCloseable {

    private static final long POLL_MILLIS = 5;
    /** A growing file is synced again after this much more data: writeback keeps pace without a commit per poll. */
    static final long STEP = 8L << 20;

    private final Thread thread;
    private final Map<Path, Long> synced = new HashMap<>();
    private final Map<Path, Long> seen = new HashMap<>();
    private volatile boolean stopped;

    private EarlySync(List<Path> files, Path dir) {
        this.thread = new Thread(() -> run(files, dir), "checkpoint-early-sync");
        thread.setDaemon(true);
    }

    /** Syncs {@code files} now, then follows {@code dir} (criu's images) until {@link #close()}. */
    static EarlySync start(List<Path> files, Path dir) {
        EarlySync s = new EarlySync(files, dir);
        s.thread.start();
        return s;
    }

    /** Stops following and waits for the sync in progress (if any) to finish. */
    @Override
    public void close() {
        stopped = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run(List<Path> files, Path dir) {
        files.forEach(this::sync);
        while (!stopped) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path f : entries) {
                    if (stopped) {
                        return;
                    }
                    syncIfDue(f);
                }
            } catch (IOException | RuntimeException e) {
                return;  // best effort: BulkSync syncs everything after criu and reports what fails
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void syncIfDue(Path f) {
        long size = size(f);
        Long before = seen.put(f, size);
        long last = synced.getOrDefault(f, -1L);
        if (size >= 0 && size != last && (before != null && before == size || size - Math.max(last, 0) >= STEP)) {
            sync(f);
        }
    }

    private static long size(Path f) {
        try {
            BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return a.isRegularFile() ? a.size() : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    // Regular files only, never through a symlink: a FIFO would block the open, a link would sync something else.
    private void sync(Path f) {
        if (size(f) < 0) {
            return;
        }
        try {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                long size = ch.size();
                ch.force(false);
                synced.put(f, size);
            }
        } catch (IOException | RuntimeException e) {
            // gone or unreadable now: BulkSync's pass decides
        }
    }
}
