package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * Hashes CRIU's page images ({@code pages-*.img}, nearly all of a checkpoint's bytes) while {@code criu dump} writes
 * them, on its own thread, so signing does not read them a second time. criu writes these files append-only; the
 * manifest reuses a hash only when the size read equals the final size, otherwise the file is hashed again, and any
 * error here just means signing hashes everything itself.
 */
final class ImageHasher implements AutoCloseable {

    private static final HexFormat HEX = HexFormat.of();
    private static final long IDLE_NANOS = 2_000_000;

    private final Path root;
    private final Path images;
    private final Map<String, Follower> files = new LinkedHashMap<>();
    private final Thread thread;
    private volatile boolean writerDone;
    private volatile boolean failed;

    private ImageHasher(Path root, Path images) {
        this.root = root;
        this.images = images;
        this.thread = new Thread(this::run, "checkpoint-image-hasher");
        thread.setDaemon(true);
    }

    /** Starts following {@code images} (under the checkpoint directory {@code root}). */
    static ImageHasher start(Path root, Path images) {
        ImageHasher h = new ImageHasher(root, images);
        h.thread.start();
        return h;
    }

    /** Once criu has exited: reads what is left, and returns the hashes by path relative to the root. */
    Map<String, CheckpointManifest.Entry> finish() {
        writerDone = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Map.of();
        }
        Map<String, CheckpointManifest.Entry> out = new LinkedHashMap<>();
        if (!failed) {
            files.forEach((rel, f) -> out.put(rel, new CheckpointManifest.Entry(rel, f.size, HEX.formatHex(f.digest()))));
        }
        return out;
    }

    @Override
    public void close() {
        writerDone = true;
        failed = true;
        files.values().forEach(Follower::close);
    }

    private void run() {
        try {
            while (!failed) {
                boolean last = writerDone;  // the pass after criu exited reads every file to its end
                discover();
                long progress = 0;
                for (Follower f : files.values()) {
                    progress += f.readAvailable();
                }
                if (last) {
                    break;
                }
                if (progress == 0) {
                    LockSupport.parkNanos(IDLE_NANOS);
                }
            }
        } catch (IOException | RuntimeException e) {
            failed = true;
        } finally {
            files.values().forEach(Follower::close);
        }
    }

    private void discover() throws IOException {
        try (DirectoryStream<Path> pages = Files.newDirectoryStream(images, "pages-*.img")) {
            for (Path p : pages) {
                String rel = root.relativize(p).toString();
                if (!files.containsKey(rel) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    files.put(rel, new Follower(FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)));
                }
            }
        }
    }

    /**
     * One growing file: hashes from where it stopped up to the current end, in {@link ParallelHash#CHUNK} pieces,
     * so the result is what the manifest records for that size (the plain SHA-256 when it is one piece).
     */
    private static final class Follower {
        private final FileChannel ch;
        private final java.io.ByteArrayOutputStream pieces = new java.io.ByteArrayOutputStream();
        private MessageDigest sha = ParallelHash.sha256();
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 20);
        private long size;

        Follower(FileChannel ch) {
            this.ch = ch;
        }

        long readAvailable() throws IOException {
            long before = size;
            // Never read across a piece boundary, so each piece's digest ends exactly there.
            for (int n; (n = ch.read(buf.limit((int) Math.min(buf.capacity(), ParallelHash.CHUNK - size % ParallelHash.CHUNK)))) > 0; buf.clear()) {
                sha.update(buf.array(), 0, n);
                size += n;
                if (size % ParallelHash.CHUNK == 0) {
                    pieces.writeBytes(sha.digest());
                    sha = ParallelHash.sha256();
                }
            }
            return size - before;
        }

        byte[] digest() {
            byte[] last = sha.digest();
            if (size <= ParallelHash.CHUNK) {
                return size == ParallelHash.CHUNK ? pieces.toByteArray() : last;
            }
            MessageDigest root = ParallelHash.sha256();
            root.update(pieces.toByteArray());
            if (size % ParallelHash.CHUNK != 0) {
                root.update(last);
            }
            return root.digest();
        }

        void close() {
            try {
                ch.close();
            } catch (IOException e) {
                // read-only descriptor
            }
        }
    }
}
