package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;

/**
 * The integrity record of a checkpoint directory: one line per directory and regular file (SHA-256 and size),
 * sorted, in {@code manifest.sha256}, signed with the cluster key in {@code manifest.sig}. Symlinks and special
 * files anywhere in the tree are refused, when signing and when verifying.
 */
public final class CheckpointManifest {

    public static final String MANIFEST = "manifest.sha256";
    public static final String SIGNATURE = "manifest.sig";
    private static final String HEADER = "nucleus-checkpoint-manifest v1";
    private static final HexFormat HEX = HexFormat.of();
    /** Files up to this size are hashed on the signing thread, the rest by {@link ParallelHash} (at most CHUNK). */
    static final long SMALL_FILE = 1L << 20;

    /**
     * One directory ({@code sha256 == null}) or regular file of the tree, by relative path. A file up to
     * {@link ParallelHash#CHUNK} bytes is an {@code F} line with its SHA-256; a larger one a {@code P} line with the
     * SHA-256 over the SHA-256s of its consecutive CHUNK-sized pieces, so its pieces are hashed in parallel.
     */
    record Entry(String path, long size, String sha256) {
        String line() {
            return sha256 == null ? "D " + path : (size > ParallelHash.CHUNK ? "P " : "F ") + sha256 + " " + size + " " + path;
        }
    }

    private CheckpointManifest() {
    }

    /** Hashes the whole tree, writes the manifest and its signature atomically, and returns its digest. */
    public static String sign(Path dir, CheckpointKey key) throws CheckpointException {
        return sign(dir, key, null).digest();
    }

    /** The digest of a signed tree and the total size of its files. */
    record Signed(String digest, long sizeBytes) {
    }

    /**
     * Like {@link #sign(Path, CheckpointKey)}; the signature, which makes the checkpoint valid, is written only once
     * {@code durable} (when not null) has the tree on disk.
     */
    static Signed sign(Path dir, CheckpointKey key, BulkSync durable) throws CheckpointException {
        return sign(dir, key, durable, Map.of());
    }

    /**
     * Like {@link #sign(Path, CheckpointKey, BulkSync)}, with the digests of leading pieces of large files already
     * known ({@link PageFollower}); every other byte of the tree is read and hashed here.
     */
    static Signed sign(Path dir, CheckpointKey key, BulkSync durable, Map<String, List<byte[]>> knownPieces)
            throws CheckpointException {
        return sign(dir, key, durable, knownPieces, Map.of());
    }

    /**
     * Like {@link #sign(Path, CheckpointKey, BulkSync, Map)}, also writing {@code newFiles} (top-level name to
     * content, none may exist yet): hashed from memory, written atomically together with the manifest and the
     * signature (temp O_EXCL|O_NOFOLLOW 0600, fsync'ed in the same journal commit as theirs) and renamed before them.
     */
    static Signed sign(Path dir, CheckpointKey key, BulkSync durable, Map<String, List<byte[]>> knownPieces,
            Map<String, byte[]> newFiles) throws CheckpointException {
        Map<String, Entry> entries = walk(dir);
        List<Entry> files = entries.values().stream().filter(e -> e.size() >= 0)
                .sorted(java.util.Comparator.comparingLong(Entry::size).reversed()).toList();
        List<String> names = new ArrayList<>();
        List<byte[]> contents = new ArrayList<>();
        for (Map.Entry<String, byte[]> f : new TreeMap<>(newFiles).entrySet()) {
            if (entries.containsKey(f.getKey()) || f.getKey().contains("/")) {
                throw new CheckpointException(Reason.UnexpectedFile, f.getKey() + " is already in " + dir);
            }
            entries.put(f.getKey(), new Entry(f.getKey(), f.getValue().length,
                    HEX.formatHex(CheckpointKey.sha256(f.getValue()))));
            names.add(f.getKey());
            contents.add(f.getValue());
        }
        List<Entry> large = files.stream().filter(e -> e.size() > SMALL_FILE).toList();
        try {
            // The large files' pieces go to ParallelHash's pool while this thread hashes the small ones: a dump's
            // ~50 small images cost ~0.6 ms here against 2-4 ms as pool tasks (measured, session 6).
            CompletableFuture<List<Entry>> pooled = large.isEmpty() ? CompletableFuture.completedFuture(List.of())
                    : CompletableFuture.supplyAsync(() -> {
                        try {
                            return ParallelHash.hashAll(dir, large, knownPieces);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
            hashSmall(dir, files.subList(large.size(), files.size())).forEach(e -> entries.put(e.path(), e));
            pooled.join().forEach(e -> entries.put(e.path(), e));
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot read " + dir + ": " + e.getMessage(), e);
        } catch (java.util.concurrent.CompletionException e) {
            Throwable cause = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
            throw new CheckpointException(Reason.IoFailed, "cannot read " + dir + ": " + cause.getMessage(), cause);
        }
        byte[] manifest = render(entries);
        String signature = "hmac-sha256 " + key.id() + " " + HEX.formatHex(key.sign(manifest)) + "\n";
        // The new files, manifest and signature are written and fsync'ed together (while the tree's own sync may
        // still run; a syncfs starts once they are written, so their fsyncs wait for its commit rather than for one
        // more), renamed only once the tree is on disk, the new files first, then the manifest, and their directory
        // is fsync'ed once. Until the signature's rename the checkpoint is unsigned; a journaling filesystem commits
        // the manifest's earlier rename no later, and anywhere else a crash that kept the signature but lost the
        // manifest is refused (ManifestMissing).
        names.addAll(List.of(MANIFEST, SIGNATURE));
        contents.addAll(List.of(manifest, signature.getBytes(StandardCharsets.US_ASCII)));
        CheckpointFiles.writeAll(dir, names, contents, () -> {
                    if (durable != null) {
                        durable.begin();
                    }
                }, () -> {
                    if (durable != null) {
                        durable.await();
                    }
                });
        return new Signed(digest(manifest), entries.values().stream().mapToLong(Entry::size).filter(n -> n > 0).sum());
    }

    /**
     * Checks the signature, then that the tree is exactly what the manifest lists; returns the digest.
     * Every refusal names what is wrong: the key, the path that changed, appeared or went missing.
     */
    public static String verify(Path dir, CheckpointKey key) throws CheckpointException {
        Verified v = verifyExcept(dir, key, path -> false);
        v.verifyDeferred();
        return v.digest();
    }

    /**
     * A checkpoint whose signature, tree shape and every file but the {@code deferred} ones checked out; the
     * deferred files (listed, present, of the signed size) are hashed by {@link #verifyDeferred()}.
     */
    record Verified(Path dir, String digest, List<Entry> deferred) {

        /** The same, without the deferred files named in {@code unchanged} (known not to have changed since signed). */
        Verified trusting(Set<String> unchanged) {
            return new Verified(dir, digest, deferred.stream().filter(e -> !unchanged.contains(e.path())).toList());
        }

        /** Hashes the deferred files and compares them with the manifest (DigestMismatch names the file). */
        void verifyDeferred() throws CheckpointException {
            if (deferred.isEmpty()) {
                return;
            }
            List<Entry> unhashed = deferred.stream().map(e -> new Entry(e.path(), e.size(), null)).toList();
            Map<String, Entry> found = new TreeMap<>();
            hash(dir, unhashed).forEach(e -> found.put(e.path(), e));
            for (Entry e : deferred) {
                requireSame(e, found.get(e.path()));
            }
        }
    }

    /**
     * Like {@link #verify(Path, CheckpointKey)}, but the regular files whose relative path matches {@code deferred}
     * are only checked for presence and size here: the caller hashes them later (while criu restores, for the page
     * images, whose contents criu copies but never parses).
     */
    static Verified verifyExcept(Path dir, CheckpointKey key, Predicate<String> deferred) throws CheckpointException {
        byte[] manifest = CheckpointFiles.read(dir.resolve(MANIFEST), Reason.ManifestMissing);
        String[] sig = new String(CheckpointFiles.read(dir.resolve(SIGNATURE), Reason.ManifestMissing),
                StandardCharsets.US_ASCII).trim().split(" ");
        if (sig.length != 3 || !sig[0].equals("hmac-sha256") || !sig[2].matches("[0-9a-f]{64}")) {
            throw new CheckpointException(Reason.ManifestInvalid, SIGNATURE + " is not 'hmac-sha256 KEYID HEX'");
        }
        if (!sig[1].equals(key.id())) {
            throw new CheckpointException(Reason.SignatureMismatch,
                    "signed with key " + sig[1] + " but this node's key is " + key.id());
        }
        if (!key.verify(manifest, HEX.parseHex(sig[2]))) {
            throw new CheckpointException(Reason.SignatureMismatch, MANIFEST + " does not match its signature");
        }
        Map<String, Entry> expected = parse(manifest);
        Map<String, Entry> walked = walk(dir);
        requireSamePaths(expected, walked);
        List<Entry> later = new ArrayList<>();
        List<Entry> now = new ArrayList<>();
        for (Entry e : expected.values()) {
            Entry w = walked.get(e.path());
            if (e.sha256() != null && w.sha256() == null && w.size() >= 0 && deferred.test(e.path())) {
                if (w.size() != e.size()) {
                    throw new CheckpointException(Reason.DigestMismatch, e.path() + " changed: manifest has "
                            + e.line() + ", found " + w.size() + " bytes");
                }
                later.add(e);
            } else if (w.size() >= 0) {
                now.add(w);
            }
        }
        Map<String, Entry> found = new TreeMap<>(walked);
        hash(dir, now).forEach(e -> found.put(e.path(), e));
        for (Entry e : expected.values()) {
            if (!later.contains(e)) {
                requireSame(e, found.get(e.path()));
            }
        }
        return new Verified(dir, digest(manifest), List.copyOf(later));
    }

    /**
     * Plain SHA-256 of each file (each at most {@link #SMALL_FILE} bytes, so an {@code F} line) on this thread, with
     * one digest and one buffer; opened O_NOFOLLOW, and a file whose size changed since the walk fails.
     */
    private static List<Entry> hashSmall(Path dir, List<Entry> files) throws IOException {
        MessageDigest sha = ParallelHash.sha256();
        long largest = files.stream().mapToLong(Entry::size).max().orElse(0);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(largest, SMALL_FILE) + 1);
        List<Entry> out = new ArrayList<>();
        for (Entry e : files) {
            try (FileChannel ch = FileChannel.open(dir.resolve(e.path()), StandardOpenOption.READ,
                    LinkOption.NOFOLLOW_LINKS)) {
                buf.clear();
                while (ch.read(buf) > 0 && buf.hasRemaining()) {
                    // read until the end, or one byte past the limit (a file that grew)
                }
                if (buf.position() != e.size() || ch.size() != e.size()) {
                    throw new IOException(e.path() + " changed size while hashed");
                }
                sha.update(buf.array(), 0, buf.position());
                out.add(new Entry(e.path(), e.size(), HEX.formatHex(sha.digest())));
            }
        }
        return out;
    }

    /** {@code sha256:<hex>} of the manifest bytes: one value that pins the whole checkpoint. */
    static String digest(byte[] manifest) {
        return "sha256:" + HEX.formatHex(CheckpointKey.sha256(manifest));
    }

    /** Total bytes of the regular files under {@code dir} (refusing the same things as the manifest). */
    public static long sizeBytes(Path dir) throws CheckpointException {
        return walk(dir).values().stream().mapToLong(Entry::size).filter(n -> n > 0).sum();
    }

    private static void requireSamePaths(Map<String, Entry> expected, Map<String, Entry> actual)
            throws CheckpointException {
        for (Entry e : expected.values()) {
            if (!actual.containsKey(e.path())) {
                Reason reason = e.path().equals(CheckpointMetadata.FILE_NAME) ? Reason.MetadataMissing : Reason.FileMissing;
                throw new CheckpointException(reason, e.path() + " is listed in the manifest but missing");
            }
        }
        for (String path : actual.keySet()) {
            if (!expected.containsKey(path)) {
                throw new CheckpointException(Reason.UnexpectedFile, path + " is not in the manifest");
            }
        }
    }

    private static void requireSame(Entry expected, Entry actual) throws CheckpointException {
        if (!expected.equals(actual)) {
            throw new CheckpointException(Reason.DigestMismatch, expected.path() + " changed: manifest has "
                    + expected.line() + ", found " + actual.line());
        }
    }

    private static List<Entry> hash(Path dir, List<Entry> files) throws CheckpointException {
        try {
            return ParallelHash.hashAll(dir, files.stream()
                    .sorted(java.util.Comparator.comparingLong(Entry::size).reversed()).toList());
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Directories (size -1) and regular files (their size, not hashed yet); refuses symlinks and special files. */
    private static Map<String, Entry> walk(Path dir) throws CheckpointException {
        Map<String, Entry> entries = new TreeMap<>();
        try {
            BasicFileAttributes top = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!top.isDirectory()) {
                throw new CheckpointException(top.isSymbolicLink() ? Reason.SymlinkRefused : Reason.InvalidRequest,
                        dir + " is not a directory");
            }
            Files.walkFileTree(dir, new Visitor(dir, entries));
        } catch (UncheckedCheckpoint e) {
            throw e.failure;
        } catch (java.nio.file.NoSuchFileException e) {
            throw new CheckpointException(Reason.FileMissing, "checkpoint directory " + dir + " does not exist", e);
        } catch (IOException e) {
            throw new CheckpointException(Reason.IoFailed, "cannot read " + dir + ": " + e.getMessage(), e);
        }
        return entries;
    }

    private static final class Visitor extends SimpleFileVisitor<Path> {
        private final Path root;
        private final Map<String, Entry> entries;

        Visitor(Path root, Map<String, Entry> entries) {
            this.root = root;
            this.entries = entries;
        }

        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
            if (!d.equals(root)) {
                String rel = relative(d);
                entries.put(rel, new Entry(rel, -1, null));
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
            String rel = relative(f);
            if (rel.equals(MANIFEST) || rel.equals(SIGNATURE)) {
                return FileVisitResult.CONTINUE;
            }
            if (attrs.isSymbolicLink()) {
                throw new UncheckedCheckpoint(new CheckpointException(Reason.SymlinkRefused,
                        rel + " is a symlink; a checkpoint tree holds only directories and regular files"));
            }
            if (!attrs.isRegularFile()) {
                throw new UncheckedCheckpoint(new CheckpointException(Reason.SpecialFileRefused,
                        rel + " is a special file; a checkpoint tree holds only directories and regular files"));
            }
            entries.put(rel, new Entry(rel, attrs.size(), null));
            return FileVisitResult.CONTINUE;
        }

        private String relative(Path p) {
            String rel = root.relativize(p).toString();
            if (rel.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw new UncheckedCheckpoint(new CheckpointException(Reason.UnexpectedFile,
                        "file name with control characters under " + root));
            }
            return rel;
        }
    }

    private static byte[] render(Map<String, Entry> entries) {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        entries.values().forEach(e -> sb.append(e.line()).append('\n'));
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, Entry> parse(byte[] manifest) throws CheckpointException {
        String[] lines = new String(manifest, StandardCharsets.UTF_8).split("\n");
        if (lines.length == 0 || !lines[0].equals(HEADER)) {
            throw new CheckpointException(Reason.ManifestInvalid, MANIFEST + " does not start with '" + HEADER + "'");
        }
        Map<String, Entry> entries = new TreeMap<>();
        List<String> bad = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            String[] f = lines[i].split(" ", 4);
            if (f.length == 2 && f[0].equals("D")) {
                entries.put(f[1], new Entry(f[1], -1, null));
            } else if (f.length == 4 && f[1].matches("[0-9a-f]{64}") && f[2].matches("\\d{1,19}")
                    && f[0].equals(Long.parseLong(f[2]) > ParallelHash.CHUNK ? "P" : "F")) {
                entries.put(f[3], new Entry(f[3], Long.parseLong(f[2]), f[1]));
            } else {
                bad.add("line " + (i + 1));
            }
        }
        if (!bad.isEmpty()) {
            throw new CheckpointException(Reason.ManifestInvalid, MANIFEST + " has malformed " + bad);
        }
        return entries;
    }

    /** Carries a refusal out of the file visitor, whose methods may only throw IOException. */
    private static final class UncheckedCheckpoint extends RuntimeException {
        final CheckpointException failure;

        UncheckedCheckpoint(CheckpointException failure) {
            super(failure.getMessage(), null, false, false);
            this.failure = failure;
        }
    }
}
