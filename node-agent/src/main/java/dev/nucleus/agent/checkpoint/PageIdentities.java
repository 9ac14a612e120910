package dev.nucleus.agent.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * The page images this node's own dumps hashed, by file identity (device, inode, size, mtime, ctime): a restore of
 * such a checkpoint skips re-hashing an image whose identity is still the recorded one, the way IMA keeps a
 * measurement until its inode changes. Any difference (a copied or foreign checkpoint, a rewritten image, an mtime
 * put back) means the full check. Held in memory by one {@link CheckpointService}; docs/checkpoint.md has the threat
 * model and why ctime, which user space cannot set, carries the guarantee.
 */
final class PageIdentities {

    /**
     * How much older than the dump's final hashing an image's ctime must be to be recorded. File timestamps come from
     * the kernel's coarse clock, up to one tick (4 ms at HZ=250, 10 ms at HZ=100) behind the real time: a write
     * within a tick of the last one could keep ctime unchanged (git's "racy" index entries). A write after the hash
     * began gets a ctime no earlier than one tick before it, so later than any ctime older than this margin.
     */
    static final Duration MARGIN = Duration.ofMillis(20);
    private static final int CHECKPOINTS = 256;

    /** One file's identity; equal identities mean the file was not written, truncated, replaced or touched since. */
    record Identity(long dev, long ino, long size, long mtimeNanos, long ctimeNanos) {

        static Identity of(Path file) throws IOException {
            Map<String, Object> a = Files.readAttributes(file, "unix:dev,ino,size,lastModifiedTime,ctime",
                    LinkOption.NOFOLLOW_LINKS);
            return new Identity((Long) a.get("dev"), (Long) a.get("ino"), (Long) a.get("size"),
                    nanos(a.get("lastModifiedTime")), nanos(a.get("ctime")));
        }

        private static long nanos(Object time) {
            return ((FileTime) time).to(TimeUnit.NANOSECONDS);
        }
    }

    /** The page images of a checkpoint directory as the dump's final hashing began, and the clock just before. */
    record Before(Path dir, Instant clock, Map<String, Identity> files) {
    }

    // manifest digest -> relative path -> identity; the oldest checkpoints are forgotten first
    private final Map<String, Map<String, Identity>> byDigest = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, Identity>> eldest) {
            return size() > CHECKPOINTS;
        }
    };

    /**
     * Identities of the files under {@code dir} matching {@code pages}, taken before their bytes are read for the
     * manifest; none if the tree cannot be read (the manifest's own walk reports why).
     */
    static Before before(Path dir, Predicate<String> pages) {
        Instant clock = Instant.now();
        Map<String, Identity> files = new LinkedHashMap<>();
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                String rel = dir.relativize(p).toString();
                if (pages.test(rel) && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
                    files.put(rel, Identity.of(p));
                }
            }
        } catch (IOException | RuntimeException e) {
            files.clear();
        }
        return new Before(dir, clock, files);
    }

    /**
     * Records the images of {@code before} under the signed manifest's {@code digest}, each only if it did not change
     * while the manifest was made (same identity now as before) and its last change was at least {@link #MARGIN}
     * before the hashing began, on a filesystem with sub-millisecond timestamps (coarser ones could hide a change).
     */
    void remember(String digest, Before before) {
        long since = before.clock().getEpochSecond() * 1_000_000_000L + before.clock().getNano() - MARGIN.toNanos();
        Map<String, Identity> kept = new LinkedHashMap<>();
        for (Map.Entry<String, Identity> e : before.files().entrySet()) {
            Identity id = e.getValue();
            boolean fine = id.ctimeNanos() % 1_000_000 != 0;
            if (fine && id.ctimeNanos() < since && id.equals(identity(before.dir().resolve(e.getKey())))) {
                kept.put(e.getKey(), id);
            }
        }
        if (!kept.isEmpty()) {
            synchronized (byDigest) {
                byDigest.put(digest, Map.copyOf(kept));
            }
        }
    }

    /**
     * The entries of {@code deferred} (relative paths of a checkpoint at {@code dir} whose manifest is {@code digest})
     * whose file still has the identity recorded by this node's dump; unreadable or unknown ones are not among them.
     */
    Set<String> unchanged(Path dir, String digest, List<CheckpointManifest.Entry> deferred) {
        Map<String, Identity> recorded;
        synchronized (byDigest) {
            recorded = byDigest.get(digest);
        }
        Set<String> same = new HashSet<>();
        if (recorded == null) {
            return same;
        }
        for (CheckpointManifest.Entry e : deferred) {
            Identity id = recorded.get(e.path());
            if (id != null && id.size() == e.size() && id.equals(identity(dir.resolve(e.path())))) {
                same.add(e.path());
            }
        }
        return same;
    }

    // null when it cannot be read: never equal to a recorded identity, so the file gets the full check
    private static Identity identity(Path file) {
        try {
            return Identity.of(file);
        } catch (IOException e) {
            return null;
        }
    }
}
