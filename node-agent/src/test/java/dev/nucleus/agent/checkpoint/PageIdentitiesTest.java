package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only a page image this node recorded, whose identity has not changed since, is trusted without hashing: a rewrite
 * in place with its mtime put back, a copy, or a change too close to the recording all fall back to the full check.
 */
class PageIdentitiesTest {

    private static final String PAGES = "images/pages-1.img";
    private static final String DIGEST = "sha256:abc";

    @TempDir
    Path dir;
    PageIdentities identities = new PageIdentities();
    List<CheckpointManifest.Entry> deferred;

    @BeforeEach
    void writePages() throws Exception {
        Files.createDirectory(dir.resolve("images"));
        Files.write(dir.resolve(PAGES), new byte[8192]);
        Files.write(dir.resolve("images/core-1.img"), new byte[] {1});
        deferred = List.of(new CheckpointManifest.Entry(PAGES, 8192, "00"));
    }

    private static void settle() throws Exception {
        Thread.sleep(PageIdentities.MARGIN.toMillis() + 10);  // the last write is now older than the margin
    }

    private PageIdentities.Before before() {
        return PageIdentities.before(dir, CheckpointService.PAGE_DATA);
    }

    @Test
    void anImageUnchangedSinceItsRecordingIsTrustedAndOnlyPageImagesAreRecorded() throws Exception {
        settle();
        PageIdentities.Before b = before();
        assertThat(b.files()).containsOnlyKeys(PAGES);
        identities.remember(DIGEST, b);
        assertThat(identities.unchanged(dir, DIGEST, deferred)).containsExactly(PAGES);
        assertThat(identities.unchanged(dir, "sha256:other", deferred)).as("another checkpoint's record").isEmpty();
    }

    @Test
    void anImageRewrittenInPlaceWithItsSizeAndMtimePutBackIsNotTrusted() throws Exception {
        settle();
        identities.remember(DIGEST, before());
        Path pages = dir.resolve(PAGES);
        PageIdentities.Identity recorded = PageIdentities.Identity.of(pages);
        try (FileChannel ch = FileChannel.open(pages, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x55}), 4096);  // same size: no truncation, no append
        }
        Files.setLastModifiedTime(pages, FileTime.from(recorded.mtimeNanos(), java.util.concurrent.TimeUnit.NANOSECONDS));
        PageIdentities.Identity now = PageIdentities.Identity.of(pages);
        assertThat(now.size()).isEqualTo(recorded.size());
        assertThat(now.mtimeNanos()).as("utimensat put the mtime back").isEqualTo(recorded.mtimeNanos());
        assertThat(now.ino()).isEqualTo(recorded.ino());
        assertThat(identities.unchanged(dir, DIGEST, deferred)).as("ctime moved on").isEmpty();
    }

    @Test
    void aCopyOfTheCheckpointIsNotTrustedEvenWithTheSameDigestAndTimes() throws Exception {
        settle();
        identities.remember(DIGEST, before());
        Path copy = dir.resolveSibling(dir.getFileName() + "-copy");
        Files.createDirectories(copy.resolve("images"));
        Files.copy(dir.resolve(PAGES), copy.resolve(PAGES), StandardCopyOption.COPY_ATTRIBUTES);
        assertThat(identities.unchanged(copy, DIGEST, deferred)).isEmpty();
        Files.move(dir.resolve(PAGES), dir.resolve("images/moved"));
        Files.copy(copy.resolve(PAGES), dir.resolve(PAGES), StandardCopyOption.COPY_ATTRIBUTES);
        assertThat(identities.unchanged(dir, DIGEST, deferred)).as("replaced by a copy at the same path").isEmpty();
    }

    @Test
    void anImageChangedWithinTheMarginOrWhileTheManifestWasMadeIsNotRecorded() throws Exception {
        PageIdentities.Before tooRecent = before();  // written just now by writePages
        identities.remember(DIGEST, tooRecent);
        assertThat(identities.unchanged(dir, DIGEST, deferred)).isEmpty();

        settle();
        PageIdentities.Before b = before();
        try (FileChannel ch = FileChannel.open(dir.resolve(PAGES), StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {1}), 0);  // a write while the manifest's hash would be reading
        }
        identities.remember(DIGEST, b);
        assertThat(identities.unchanged(dir, DIGEST, deferred)).isEmpty();
    }

    @Test
    void aMissingImageIsNotTrusted() throws Exception {
        settle();
        identities.remember(DIGEST, before());
        Files.delete(dir.resolve(PAGES));
        assertThat(identities.unchanged(dir, DIGEST, deferred)).isEmpty();
    }
}
