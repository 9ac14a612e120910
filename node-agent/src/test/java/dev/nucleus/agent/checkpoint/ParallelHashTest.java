package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files above one piece are hashed in pieces (in parallel) into a P line; smaller ones keep their plain SHA-256. */
class ParallelHashTest {

    @TempDir
    Path dir;

    @Test
    void aLargeImageIsAPLineOverItsPiecesAndAFlippedByteIsStillNamed() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        byte[] big = new byte[(int) (2 * ParallelHash.CHUNK + 12345)];
        new Random(3).nextBytes(big);
        Files.write(images.resolve("pages-1.img"), big);
        byte[] small = {1, 2, 3};
        Files.write(images.resolve("core-1.img"), small);

        MessageDigest root = ParallelHash.sha256();
        for (int off = 0; off < big.length; off += (int) ParallelHash.CHUNK) {
            root.update(ParallelHash.sha256().digest(Arrays.copyOfRange(big, off,
                    (int) Math.min(big.length, off + ParallelHash.CHUNK))));
        }
        String pieces = HexFormat.of().formatHex(root.digest());
        assertThat(ParallelHash.hashAll(dir, List.of(new CheckpointManifest.Entry("images/pages-1.img", big.length, null))))
                .containsExactly(new CheckpointManifest.Entry("images/pages-1.img", big.length, pieces));

        CheckpointKey key = CheckpointKey.of(new byte[32]);
        CheckpointManifest.sign(dir, key);
        assertThat(Files.readString(dir.resolve(CheckpointManifest.MANIFEST)))
                .contains("P " + pieces + " " + big.length + " images/pages-1.img")
                .contains("F " + HexFormat.of().formatHex(ParallelHash.sha256().digest(small)) + " 3 images/core-1.img");
        assertThat(CheckpointManifest.verify(dir, key)).startsWith("sha256:");

        big[big.length - 5] ^= 1;
        Files.write(images.resolve("pages-1.img"), big);
        assertThatThrownBy(() -> CheckpointManifest.verify(dir, key)).isInstanceOfSatisfying(CheckpointException.class,
                e -> {
                    assertThat(e.reason()).isEqualTo(CheckpointException.Reason.DigestMismatch);
                    assertThat(e.getMessage()).contains("images/pages-1.img");
                });
    }

    @Test
    void aFileWhoseSizeIsNotTheWalkedOneIsNotHashed() throws Exception {
        Files.write(dir.resolve("pages-2.img"), new byte[4096]);
        assertThatThrownBy(() -> ParallelHash.hashAll(dir, List.of(new CheckpointManifest.Entry("pages-2.img", 8192, null))))
                .isInstanceOf(IOException.class).hasMessageContaining("changed size");
    }

    @Test
    void aMappedHashIsThePlainSha256AndItsMappingIsGoneAfterwards() throws Exception {
        byte[] data = new byte[(int) ParallelHash.CHUNK - 7];
        new Random(9).nextBytes(data);
        Files.write(dir.resolve("pages-3.img"), data);
        assertThat(ParallelHash.hashAll(dir, List.of(new CheckpointManifest.Entry("pages-3.img", data.length, null))))
                .containsExactly(new CheckpointManifest.Entry("pages-3.img", data.length,
                        HexFormat.of().formatHex(ParallelHash.sha256().digest(data))));
        // unmapped at once, not when a collection finds the buffer: an idle agent would otherwise keep it resident
        assertThat(Files.readString(Path.of("/proc/self/maps"))).doesNotContain(dir.resolve("pages-3.img").toString());
    }
}
