package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;

class CheckpointManifestTest {

    @TempDir
    Path tmp;
    Path dir;
    CheckpointKey key;

    @BeforeEach
    void checkpointTree() throws Exception {
        dir = Files.createDirectory(tmp.resolve("ckpt"));
        Path images = Files.createDirectory(dir.resolve("images"));
        Files.write(images.resolve("pages-1.img"), new byte[200_000]);
        Files.writeString(images.resolve("core-1.img"), "core");
        Files.writeString(dir.resolve("metadata.json"), "{}");
        key = CheckpointKey.of(bytes(32, 7));
    }

    @Test
    void signedTreeVerifiesToTheSameDigest() throws Exception {
        String digest = CheckpointManifest.sign(dir, key);

        assertThat(digest).matches("sha256:[0-9a-f]{64}");
        assertThat(CheckpointManifest.verify(dir, key)).isEqualTo(digest);
        assertThat(Files.readString(dir.resolve("manifest.sha256"))).contains("D images", " 200000 images/pages-1.img",
                " metadata.json");
    }

    @Test
    void smallFilesHashedWhileSigningMatchWhatTheVerifierComputesOnEitherSideOfTheLimit() throws Exception {
        Files.write(dir.resolve("images/pages-2.img"), bytes((int) CheckpointManifest.SMALL_FILE, 3));
        Files.write(dir.resolve("images/pages-3.img"), bytes((int) CheckpointManifest.SMALL_FILE + 1, 4));
        Files.write(dir.resolve("images/pages-4.img"), bytes(3 << 20, 5));
        Files.write(dir.resolve("images/empty.img"), new byte[0]);

        String digest = CheckpointManifest.sign(dir, key);

        assertThat(CheckpointManifest.verify(dir, key)).isEqualTo(digest);
        String core = java.util.HexFormat.of().formatHex(CheckpointKey.sha256("core".getBytes()));
        assertThat(Files.readString(dir.resolve("manifest.sha256"))).contains("F " + core + " 4 images/core-1.img",
                " 1048576 images/pages-2.img", " 1048577 images/pages-3.img", " 0 images/empty.img");
    }

    @Test
    void aFileWrittenWithTheManifestIsListedWrittenPrivatelyAndVerifies() throws Exception {
        Files.delete(dir.resolve("metadata.json"));
        CheckpointManifest.Signed signed = CheckpointManifest.sign(dir, key, null, java.util.Map.of(),
                java.util.Map.of("metadata.json", "{\"a\":1}".getBytes()));

        assertThat(dir.resolve("metadata.json")).hasContent("{\"a\":1}");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("metadata.json"))))
                .isEqualTo("rw-------");
        assertThat(dir.resolve("metadata.json.tmp")).doesNotExist();
        assertThat(CheckpointManifest.verify(dir, key)).isEqualTo(signed.digest());
        String sha = java.util.HexFormat.of().formatHex(CheckpointKey.sha256("{\"a\":1}".getBytes()));
        assertThat(Files.readString(dir.resolve("manifest.sha256"))).contains("F " + sha + " 7 metadata.json");

        // A name already in the tree is refused, nothing renamed over it.
        Path other = Files.createDirectory(tmp.resolve("other"));
        Files.writeString(other.resolve("metadata.json"), "old");
        assertThatThrownBy(() -> CheckpointManifest.sign(other, key, null, java.util.Map.of(),
                java.util.Map.of("metadata.json", "new".getBytes()))).isInstanceOfSatisfying(CheckpointException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.UnexpectedFile));
        assertThat(other.resolve("metadata.json")).hasContent("old");
        assertThat(other.resolve("manifest.sig")).doesNotExist();
    }

    @Test
    void deferredPageImagesAreCheckedForSizeFirstAndForContentLater() throws Exception {
        CheckpointManifest.sign(dir, key);
        Path pages = dir.resolve("images/pages-1.img");
        byte[] b = Files.readAllBytes(pages);
        b[b.length / 2] ^= 0x55;
        Files.write(pages, b);

        // The same-size tampered page image passes the check before criu, and is named by the deferred check.
        CheckpointManifest.Verified v = CheckpointManifest.verifyExcept(dir, key, CheckpointService.PAGE_DATA);
        assertThat(v.deferred()).extracting(CheckpointManifest.Entry::path).containsExactly("images/pages-1.img");
        assertThatThrownBy(v::verifyDeferred).isInstanceOfSatisfying(CheckpointException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.DigestMismatch);
            assertThat(e.getMessage()).contains("images/pages-1.img");
        });

        // Every other file is checked before criu: a changed structure image is refused there.
        b[b.length / 2] ^= 0x55;
        Files.write(pages, b);
        Files.writeString(dir.resolve("images/core-1.img"), "CORE");
        assertThatThrownBy(() -> CheckpointManifest.verifyExcept(dir, key, CheckpointService.PAGE_DATA))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.DigestMismatch);
                    assertThat(e.getMessage()).contains("images/core-1.img");
                });

        // A page image of another size is refused before criu too.
        Files.writeString(dir.resolve("images/core-1.img"), "core");
        Files.write(pages, Arrays.copyOf(b, b.length + 1));
        assertThatThrownBy(() -> CheckpointManifest.verifyExcept(dir, key, CheckpointService.PAGE_DATA))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.DigestMismatch);
                    assertThat(e.getMessage()).contains("images/pages-1.img", "found " + (b.length + 1) + " bytes");
                });
    }

    @Test
    void onlyPagesImagesAreDeferred() {
        assertThat(CheckpointService.PAGE_DATA).accepts("images/pages-1.img", "images/pages-42.img")
                .rejects("images/pagemap-1.img", "images/pages-shmem-1.img", "pages-1.img", "images/pages-1.img.x",
                        "images/x/pages-1.img", "rootfs.tar", "metadata.json");
    }

    @Test
    void anotherNodeWithTheSameClusterKeyVerifies() throws Exception {
        CheckpointManifest.sign(dir, key);
        Path secret = tmp.resolve("secret-key");
        Files.write(secret, bytes(32, 7));
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("r--------"));
        // Secret volumes expose keys through symlinks into ..data/; that must keep working.
        Path mounted = Files.createSymbolicLink(tmp.resolve("hmac.key"), secret);

        assertThat(CheckpointManifest.verify(dir, CheckpointKey.load(mounted))).startsWith("sha256:");
    }

    @Test
    void aFlippedByteInAnImageIsNamed() throws Exception {
        CheckpointManifest.sign(dir, key);
        Path pages = dir.resolve("images/pages-1.img");
        byte[] b = Files.readAllBytes(pages);
        b[123_456] ^= 1;
        Files.write(pages, b);

        assertRefused(Reason.DigestMismatch, "images/pages-1.img");
    }

    @Test
    void missingAndAddedFilesAreNamed() throws Exception {
        CheckpointManifest.sign(dir, key);
        Files.delete(dir.resolve("images/core-1.img"));
        assertRefused(Reason.FileMissing, "images/core-1.img");

        Files.writeString(dir.resolve("images/core-1.img"), "core");
        Files.writeString(dir.resolve("images/extra.img"), "x");
        assertRefused(Reason.UnexpectedFile, "images/extra.img");
    }

    @Test
    void anEditedManifestOrSignatureIsRefused() throws Exception {
        CheckpointManifest.sign(dir, key);
        Path manifest = dir.resolve("manifest.sha256");
        Files.writeString(manifest, Files.readString(manifest).replace("D images\n", ""));
        assertRefused(Reason.SignatureMismatch, "does not match its signature");

        CheckpointManifest.sign(dir, key);
        Files.writeString(dir.resolve("manifest.sig"), "garbage");
        assertRefused(Reason.ManifestInvalid, "manifest.sig");
    }

    @Test
    void aCheckpointSignedWithAnotherKeyNamesBothKeys() throws Exception {
        CheckpointKey other = CheckpointKey.of(bytes(32, 9));
        CheckpointManifest.sign(dir, other);

        assertRefused(Reason.SignatureMismatch, other.id(), key.id());
    }

    @Test
    void anUnsignedCheckpointIsRefused() {
        assertRefused(Reason.ManifestMissing, "manifest.sha256");
    }

    @Test
    void aSymlinkAnywhereInTheTreeIsRefusedWhenSigningAndWhenVerifying() throws Exception {
        Files.createSymbolicLink(dir.resolve("images/evil.img"), Path.of("/etc/shadow"));
        assertThatThrownBy(() -> CheckpointManifest.sign(dir, key))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.SymlinkRefused);
                    assertThat(e.getMessage()).contains("images/evil.img");
                });

        Files.delete(dir.resolve("images/evil.img"));
        CheckpointManifest.sign(dir, key);
        Files.move(dir.resolve("images/core-1.img"), tmp.resolve("core-1.img"));
        Files.createSymbolicLink(dir.resolve("images/core-1.img"), tmp.resolve("core-1.img"));
        assertRefused(Reason.SymlinkRefused, "images/core-1.img");
    }

    @Test
    void aSymlinkedDirectoryOrMetadataIsRefused() throws Exception {
        CheckpointManifest.sign(dir, key);
        Files.move(dir.resolve("metadata.json"), tmp.resolve("metadata.json"));
        Files.createSymbolicLink(dir.resolve("metadata.json"), tmp.resolve("metadata.json"));
        assertRefused(Reason.SymlinkRefused, "metadata.json");

        Path link = Files.createSymbolicLink(tmp.resolve("link"), dir);
        assertThatThrownBy(() -> CheckpointManifest.verify(link, key))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SymlinkRefused));
    }

    @Test
    void aFifoInTheTreeIsRefused() throws Exception {
        Process mkfifo = new ProcessBuilder("mkfifo", dir.resolve("images/fifo").toString()).start();
        assertThat(mkfifo.waitFor()).isZero();

        assertThatThrownBy(() -> CheckpointManifest.sign(dir, key))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.SpecialFileRefused);
                    assertThat(e.getMessage()).contains("images/fifo");
                });
    }

    @Test
    void keysMustBeLongEnoughAndNotWritableByOthers() throws Exception {
        assertThatThrownBy(() -> CheckpointKey.of(new byte[16]))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.reason()).isEqualTo(Reason.KeyInvalid));
        Path loose = Files.write(tmp.resolve("loose.key"), bytes(32, 1));
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertThatThrownBy(() -> CheckpointKey.load(loose))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.getMessage()).contains("writable"));
        assertThatThrownBy(() -> CheckpointKey.load(tmp.resolve("absent.key")))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.getMessage()).contains("does not exist"));

        CheckpointKey generated = CheckpointKey.generate(tmp.resolve("gen.key"));
        assertThat(CheckpointKey.load(tmp.resolve("gen.key"))).isEqualTo(generated);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("gen.key"))))
                .isEqualTo("rw-------");
    }

    private void assertRefused(Reason reason, String... messageParts) {
        assertThatThrownBy(() -> CheckpointManifest.verify(dir, key))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(reason);
                    assertThat(e.getMessage()).contains(messageParts);
                });
    }

    private static byte[] bytes(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
