package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The page-image follower hashes files while they grow, and the manifest only trusts it when the sizes agree. */
class ImageHasherTest {

    @TempDir
    Path dir;

    private static String sha256(byte[] b) {
        return HexFormat.of().formatHex(ParallelHash.sha256().digest(b));
    }

    @Test
    void filesAppendedWhileFollowedHashLikeTheFinishedFiles() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        byte[] one = new byte[3 << 20];
        byte[] two = new byte[70_000];
        new Random(1).nextBytes(one);
        new Random(2).nextBytes(two);
        ImageHasher hasher = ImageHasher.start(dir, images);
        try (OutputStream a = Files.newOutputStream(images.resolve("pages-1.img"))) {
            for (int off = 0; off < one.length; off += 4096) {
                a.write(one, off, 4096);
                a.flush();
            }
        }
        Files.write(images.resolve("pages-2.img"), two);
        Files.write(images.resolve("core-1.img"), new byte[] {1, 2, 3});  // not a page image: not followed
        Map<String, CheckpointManifest.Entry> hashed = hasher.finish();

        assertThat(hashed).containsOnlyKeys("images/pages-1.img", "images/pages-2.img");
        assertThat(hashed.get("images/pages-1.img").sha256()).isEqualTo(sha256(one));
        assertThat(hashed.get("images/pages-1.img").size()).isEqualTo(one.length);
        assertThat(hashed.get("images/pages-2.img").sha256()).isEqualTo(sha256(two));
    }

    @Test
    void aFollowedHashOfAnotherSizeIsNotTrustedWhenSigning() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        Files.write(images.resolve("pages-1.img"), new byte[] {1, 2, 3});
        ImageHasher hasher = ImageHasher.start(dir, images);
        Map<String, CheckpointManifest.Entry> hashed = hasher.finish();
        // Written to after the follower finished: the manifest must hash it again, not reuse the stale entry.
        Files.write(images.resolve("pages-1.img"), new byte[] {4, 5}, StandardOpenOption.APPEND);
        CheckpointKey key = CheckpointKey.of(new byte[32]);

        CheckpointManifest.sign(dir, key, hashed);

        assertThat(Files.readString(dir.resolve(CheckpointManifest.MANIFEST)))
                .contains("F " + sha256(new byte[] {1, 2, 3, 4, 5}) + " 5 images/pages-1.img");
        assertThat(CheckpointManifest.verify(dir, key)).startsWith("sha256:");
    }

    @Test
    void aLargeImageIsHashedInPiecesAndTheFollowerAgreesWithTheParallelHash() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        byte[] big = new byte[(int) (2 * ParallelHash.CHUNK + 12345)];
        new Random(3).nextBytes(big);
        ImageHasher hasher = ImageHasher.start(dir, images);
        try (OutputStream a = Files.newOutputStream(images.resolve("pages-1.img"))) {
            for (int off = 0; off < big.length; off += 1 << 20) {
                a.write(big, off, Math.min(1 << 20, big.length - off));
            }
        }
        CheckpointManifest.Entry followed = hasher.finish().get("images/pages-1.img");

        java.security.MessageDigest root = ParallelHash.sha256();
        for (int off = 0; off < big.length; off += (int) ParallelHash.CHUNK) {
            root.update(ParallelHash.sha256().digest(java.util.Arrays.copyOfRange(big, off,
                    (int) Math.min(big.length, off + ParallelHash.CHUNK))));
        }
        assertThat(followed.sha256()).isEqualTo(HexFormat.of().formatHex(root.digest()));
        CheckpointManifest.Entry walked = new CheckpointManifest.Entry("images/pages-1.img", big.length, null);
        assertThat(ParallelHash.hashAll(dir, java.util.List.of(walked))).containsExactly(followed);
        CheckpointKey key = CheckpointKey.of(new byte[32]);
        CheckpointManifest.sign(dir, key);
        assertThat(Files.readString(dir.resolve(CheckpointManifest.MANIFEST)))
                .contains("P " + followed.sha256() + " " + big.length + " images/pages-1.img");
        big[big.length - 5] ^= 1;
        Files.write(images.resolve("pages-1.img"), big);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CheckpointManifest.verify(dir, key))
                .isInstanceOfSatisfying(CheckpointException.class,
                        e -> assertThat(e.reason()).isEqualTo(CheckpointException.Reason.DigestMismatch));
    }

    @Test
    void closingAfterAFailedDumpYieldsNothing() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        Files.write(images.resolve("pages-1.img"), new byte[] {1});
        ImageHasher hasher = ImageHasher.start(dir, images);
        hasher.close();
        assertThat(hasher.finish()).isEmpty();
    }
}
