package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Hashes the page images while criu writes them, on a core criu leaves idle: each complete
 * {@link ParallelHash#CHUNK}-sized piece is hashed (from the page cache, just written) once the file has grown past
 * it and the node has a spare core ({@link IdleCpu}), so signing after the dump reads only the pieces not done yet. criu appends to a page image and never rewrites it; should that ever change,
 * the manifest would pin bytes the file no longer holds and every restore would refuse the checkpoint
 * (DigestMismatch): a lost checkpoint, never an accepted wrong one.
 */
final class PageFollower implements AutoCloseable {

    /** A 16 MiB piece takes criu ~50 ms to write here; polling faster only contends for criu's directory. */
    private static final long POLL_MILLIS = 20;
    /**
     * Hash only while half a core is idle: measured under load (no idle core), hashing during the dump slowed criu
     * by as much as it saved afterwards; with an idle core it is free.
     */
    static final double SPARE_CORES = 0.5;
    /** criu names its page images pages-N.img; {@code pages} decides, this only spares it the other files. */
    private static final String PAGE_PREFIX = "pages-";

    private final Path root;
    private final Predicate<String> pages;
    private final Map<String, List<byte[]>> digests = new HashMap<>();
    private final Thread thread;
    private final AtomicInteger hashed = new AtomicInteger();
    private volatile boolean stopped;

    // With a null spareCpu: a follower that follows nothing (no thread), for trees too small to fill a piece.
    private PageFollower(Path root, Path images, Predicate<String> pages, Supplier<BooleanSupplier> spareCpu) {
        this.root = root;
        this.pages = pages;
        this.thread = spareCpu == null ? null : new Thread(() -> run(images, spareCpu.get()), "checkpoint-page-follower");
        if (thread != null) {
            thread.setDaemon(true);
        }
    }

    /**
     * Follows the files of {@code images} whose path relative to {@code root} matches {@code pages}, if a tree holding
     * {@code treeBytes} of memory can fill a piece at all: otherwise no thread is started (polling beside criu would
     * only take CPU from it, measured: 20-140 ms of JVM CPU during a small dump that hashes nothing).
     */
    static PageFollower start(Path root, Path images, Predicate<String> pages, long treeBytes) {
        if (treeBytes < ParallelHash.CHUNK) {
            return new PageFollower(root, images, pages, null);
        }
        return start(root, images, pages, () -> new IdleCpu(SPARE_CORES)::spare);
    }

    /** Like {@link #start(Path, Path, Predicate)}, hashing whenever {@code spareCpu}'s supplier (made on the thread) says so. */
    static PageFollower start(Path root, Path images, Predicate<String> pages, Supplier<BooleanSupplier> spareCpu) {
        PageFollower f = new PageFollower(root, images, pages, spareCpu);
        f.thread.start();
        return f;
    }

    /**
     * Stops (a piece being hashed is dropped) and waits for the thread; the interrupt ends its poll sleep, which
     * would otherwise add up to {@link #POLL_MILLIS} to every dump.
     */
    @Override
    public void close() {
        stopped = true;
        if (thread == null) {
            return;
        }
        thread.interrupt();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** After {@link #close()}: the digests of the leading complete pieces, by path relative to the root. */
    Map<String, List<byte[]>> digests() {
        Map<String, List<byte[]>> copy = new HashMap<>();
        digests.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        return copy;
    }

    /** Whether a thread follows the images (false for a tree too small to fill a piece). */
    boolean following() {
        return thread != null;
    }

    /** How many pieces were hashed so far. */
    int pieces() {
        return hashed.get();
    }

    private void run(Path images, BooleanSupplier spareCpu) {
        while (!stopped) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(images)) {
                for (Path f : entries) {
                    // criu's other images (a dozen small ones) are skipped by name, before any path is built
                    if (!f.getFileName().toString().startsWith(PAGE_PREFIX)) {
                        continue;
                    }
                    String rel = root.relativize(f).toString();
                    if (pages.test(rel) && !follow(f, digests.computeIfAbsent(rel, k -> new ArrayList<>()), spareCpu)) {
                        return;
                    }
                }
                Thread.sleep(POLL_MILLIS);
            } catch (IOException | RuntimeException | InterruptedException e) {
                return;  // best effort: whatever is not hashed here is hashed after criu
            }
        }
    }

    // Hashes the pieces the file now holds completely, while a core is spare; false once stopped.
    private boolean follow(Path f, List<byte[]> done, BooleanSupplier spareCpu) throws IOException {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
            return true;
        }
        while ((done.size() + 1L) * ParallelHash.CHUNK <= a.size() && spareCpu.getAsBoolean()) {
            byte[] d = ParallelHash.growingPiece(f, done.size() * ParallelHash.CHUNK, () -> stopped);
            if (d == null) {
                return !stopped;
            }
            done.add(d);
            hashed.incrementAndGet();
        }
        return !stopped;
    }
}
