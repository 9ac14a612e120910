package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pieces of a page image hashed while it is still being appended to are exactly the pieces of the finished file:
 * a checkpoint signed with them has the same manifest as one hashed after the dump, and a digest that no longer
 * matches the bytes (were criu ever to rewrite a page image) is refused at verification, never accepted.
 */
class PageFollowerTest {

    @TempDir
    Path dir;

    private static final int SIZE = (int) (2 * ParallelHash.CHUNK + 12345);

    @Test
    void piecesHashedWhileTheImageGrowsSignTheSameManifestAsAHashAfterTheDump() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        byte[] pages = new byte[SIZE];
        new Random(7).nextBytes(pages);
        Files.write(images.resolve("core-1.img"), new byte[] {1, 2, 3});

        PageFollower follower = PageFollower.start(dir, images, CheckpointService.PAGE_DATA, () -> () -> true);
        try (OutputStream out = Files.newOutputStream(images.resolve("pages-1.img"))) {
            for (int off = 0; off < SIZE; off += 1 << 20) {  // appended in 1 MiB writes, like criu's splices
                out.write(pages, off, Math.min(1 << 20, SIZE - off));
                out.flush();
                Thread.sleep(2);
            }
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (follower.pieces() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        follower.close();
        Map<String, List<byte[]>> known = follower.digests();
        assertThat(known.get("images/pages-1.img")).hasSize(2);
        assertThat(known.get("images/pages-1.img").get(1))
                .isEqualTo(ParallelHash.sha256().digest(Arrays.copyOfRange(pages, (int) ParallelHash.CHUNK,
                        (int) (2 * ParallelHash.CHUNK))));
        assertThat(known).doesNotContainKey("images/core-1.img");

        CheckpointKey key = CheckpointKey.of(new byte[32]);
        CheckpointManifest.sign(dir, key, null, known);
        String followed = Files.readString(dir.resolve(CheckpointManifest.MANIFEST));
        CheckpointManifest.sign(dir, key);
        assertThat(followed).isEqualTo(Files.readString(dir.resolve(CheckpointManifest.MANIFEST)));
        assertThat(CheckpointManifest.verify(dir, key)).startsWith("sha256:");
    }

    @Test
    void aPieceDigestThatNoLongerMatchesTheFileIsRefusedAtVerification() throws Exception {
        Path images = imagesWithPages(8L);
        byte[] before = ParallelHash.sha256().digest(new byte[(int) ParallelHash.CHUNK]);  // not the file's bytes

        CheckpointKey key = CheckpointKey.of(new byte[32]);
        CheckpointManifest.sign(dir, key, null, Map.of("images/pages-1.img", List.of(before)));
        assertThatThrownBy(() -> CheckpointManifest.verify(dir, key)).isInstanceOfSatisfying(CheckpointException.class,
                e -> {
                    assertThat(e.reason()).isEqualTo(CheckpointException.Reason.DigestMismatch);
                    assertThat(e.getMessage()).contains("images/pages-1.img");
                });
    }

    @Test
    void withoutASpareCoreNothingIsHashedDuringTheDumpAndSigningHashesItAll() throws Exception {
        Path images = imagesWithPages(9L);
        PageFollower follower = PageFollower.start(dir, images, CheckpointService.PAGE_DATA, () -> () -> false);
        Thread.sleep(50);  // ten polls with two complete pieces in the file
        follower.close();
        assertThat(follower.pieces()).isZero();

        CheckpointKey key = CheckpointKey.of(new byte[32]);
        CheckpointManifest.sign(dir, key, null, follower.digests());
        assertThat(CheckpointManifest.verify(dir, key)).startsWith("sha256:");
    }

    /** images/ holding a finished pages-1.img of SIZE random bytes from {@code seed}. */
    private Path imagesWithPages(long seed) throws java.io.IOException {
        Path images = Files.createDirectory(dir.resolve("images"));
        byte[] pages = new byte[SIZE];
        new Random(seed).nextBytes(pages);
        Files.write(images.resolve("pages-1.img"), pages);
        return images;
    }

    @Test
    void closingStopsAFollowerWaitingForAFileThatNeverGrows() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        Files.write(images.resolve("pages-1.img"), new byte[100]);
        PageFollower follower = PageFollower.start(dir, images, CheckpointService.PAGE_DATA, 1L << 30);
        assertThat(follower.following()).isTrue();
        Thread.sleep(20);
        follower.close();
        assertThat(follower.pieces()).isZero();
        assertThat(follower.digests().getOrDefault("images/pages-1.img", List.of())).isEmpty();
    }

    @Test
    void aTreeTooSmallToFillAPieceGetsNoFollowerThread() throws Exception {
        Path images = imagesWithPages(10L);
        PageFollower follower = PageFollower.start(dir, images, CheckpointService.PAGE_DATA, ParallelHash.CHUNK - 1);
        assertThat(follower.following()).isFalse();
        Thread.sleep(30);
        follower.close();
        assertThat(follower.pieces()).isZero();
        assertThat(follower.digests()).isEmpty();
        try (PageFollower big = PageFollower.start(dir, images, CheckpointService.PAGE_DATA, ParallelHash.CHUNK)) {
            assertThat(big.following()).isTrue();
        }
    }
}
