package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * SHA-256 of a checkpoint's files on a small pool: one task per file, and one per {@link #CHUNK} of a larger file
 * (whose manifest hash is the SHA-256 over its pieces' SHA-256s), so a single big page image uses every core. The
 * JDK's SHA-256 uses the CPU's SHA instructions once compiled. Files open with O_NOFOLLOW; complete files are hashed
 * through read-only mappings.
 */
final class ParallelHash {

    /** Piece size of large files; a file of at most this size is hashed whole (its plain SHA-256). */
    static final long CHUNK = 16L << 20;
    private static final int THREADS = Math.max(2, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private static final int BUFFER = 1 << 20;
    private static final HexFormat HEX = HexFormat.of();

    private ParallelHash() {
    }

    /** The entries with their hash; a file whose size changed since the walk fails, as does an unreadable one. */
    static List<CheckpointManifest.Entry> hashAll(Path root, List<CheckpointManifest.Entry> files) throws IOException {
        return hashAll(root, files, Map.of());
    }

    /**
     * Like {@link #hashAll(Path, List)}, with the digests of leading pieces already known by path ({@code known}:
     * pieces 0..n-1, hashed by the {@link PageFollower} while criu appended to the file); only the others are read.
     */
    static List<CheckpointManifest.Entry> hashAll(Path root, List<CheckpointManifest.Entry> files,
            Map<String, List<byte[]>> known) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "checkpoint-hash");
            t.setDaemon(true);
            return t;
        });
        try {
            List<List<Future<byte[]>>> pieces = new ArrayList<>();
            for (CheckpointManifest.Entry e : files) {
                List<Future<byte[]>> parts = new ArrayList<>();
                List<byte[]> done = e.size() > CHUNK ? known.getOrDefault(e.path(), List.of()) : List.of();
                for (long off = 0; off == 0 || off < e.size(); off += CHUNK) {
                    long from = off;
                    int index = (int) (off / CHUNK);
                    if (index < done.size() && off + CHUNK <= e.size()) {
                        parts.add(CompletableFuture.completedFuture(done.get(index)));
                        continue;
                    }
                    parts.add(pool.submit(() -> piece(root.resolve(e.path()), from, Math.min(CHUNK, e.size() - from),
                            e.size())));
                }
                pieces.add(parts);
            }
            List<CheckpointManifest.Entry> out = new ArrayList<>();
            for (int i = 0; i < files.size(); i++) {
                out.add(combine(files.get(i), pieces.get(i)));
            }
            return out;
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while hashing " + root, e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static CheckpointManifest.Entry combine(CheckpointManifest.Entry e, List<Future<byte[]>> parts)
            throws InterruptedException, ExecutionException {
        if (parts.size() == 1) {
            return new CheckpointManifest.Entry(e.path(), e.size(), HEX.formatHex(parts.get(0).get()));
        }
        MessageDigest root = sha256();
        for (Future<byte[]> p : parts) {
            root.update(p.get());
        }
        return new CheckpointManifest.Entry(e.path(), e.size(), HEX.formatHex(root.digest()));
    }

    /**
     * SHA-256 of {@code length} bytes at {@code offset}; the file must still have the size the walk saw. The piece is
     * mapped rather than read: the page images are in the page cache (criu just wrote them, or is reading them beside
     * this), and a read() would first copy every byte into a buffer, about a fifth of the CPU that hashing them takes
     * (benchmarks.md, "Checkpoint/restore", session 6), CPU that a restore's check takes from criu on a small node.
     */
    private static byte[] piece(Path file, long offset, long length, long fileSize) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            requireSize(file, ch, fileSize);
            MessageDigest sha = sha256();
            if (length > 0) {
                MappedByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, offset, length);
                try {
                    sha.update(mapped);
                } finally {
                    Unmapper.unmap(mapped);
                }
            }
            // A truncation under the mapping makes the pages past the new end fault (SIGBUS); in compiled code the JVM
            // skips the faulting access and raises its InternalError a little later, so what was hashed is not the
            // file: this second size check is what keeps such a digest from being returned.
            requireSize(file, ch, fileSize);
            return sha.digest();
        } catch (InternalError e) {
            throw new IOException(file + " shrank while hashed", e);
        }
    }

    private static void requireSize(Path file, FileChannel ch, long size) throws IOException {
        if (ch.size() != size) {
            throw new IOException(file + " changed size while hashed");
        }
    }

    /**
     * SHA-256 of the {@link #CHUNK} bytes at {@code offset} of a file that may still grow, or null if {@code stop}
     * said so first or the piece is not all there.
     */
    static byte[] growingPiece(Path file, long offset, BooleanSupplier stop) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            return hashRange(ch, offset, CHUNK, stop);
        }
    }

    // SHA-256 of [offset, offset + length) of ch, or null when the file ends first or stop says so.
    private static byte[] hashRange(FileChannel ch, long offset, long length, BooleanSupplier stop) throws IOException {
        MessageDigest sha = sha256();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(BUFFER, Math.max(1, length)));
        for (long pos = offset, end = offset + length; pos < end; ) {
            if (stop.getAsBoolean()) {
                return null;
            }
            buf.clear().limit((int) Math.min(buf.capacity(), end - pos));
            int n = ch.read(buf, pos);
            if (n <= 0) {
                return null;
            }
            sha.update(buf.array(), 0, n);
            pos += n;
        }
        return sha.digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
