package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint's own small files: created exclusively with mode 0600, never through a planted name; the manifest
 * and signature pair renamed into place only after the step that must come first, and not at all if it fails.
 */
class CheckpointFilesTest {

    @TempDir
    Path dir;

    @Test
    void aCheckpointFileIsCreatedExclusivelyWithMode0600AndNeverThroughAPlantedName() throws Exception {
        Path stdio = dir.resolve("stdio");
        CheckpointFiles.writeNew(stdio, "pipe:[1]\n".getBytes());
        assertThat(Files.readString(stdio)).isEqualTo("pipe:[1]\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(stdio))).isEqualTo("rw-------");

        assertThatThrownBy(() -> CheckpointFiles.writeNew(stdio, "again".getBytes()))
                .isInstanceOfSatisfying(CheckpointException.class,
                        e -> assertThat(e.reason()).isEqualTo(CheckpointException.Reason.OutputNotEmpty));
        Path target = Files.writeString(dir.resolve("target"), "victim");
        Path link = Files.createSymbolicLink(dir.resolve("rootfs.tar"), target);
        assertThatThrownBy(() -> CheckpointFiles.writeNew(link, "evil".getBytes())).isInstanceOf(CheckpointException.class);
        assertThat(Files.readString(target)).isEqualTo("victim");
        assertThat(Files.readString(stdio)).isEqualTo("pipe:[1]\n");
    }

    @Test
    void bothFilesAppearOnlyAfterTheStepBeforeTheirRenameAndNotAtAllIfItFails() throws Exception {
        CheckpointFiles.writeAll(dir, List.of("manifest.sha256", "manifest.sig"), List.of("m".getBytes(), "s".getBytes()),
                () -> {
                    assertThat(dir.resolve("manifest.sha256")).doesNotExist();
                    assertThat(dir.resolve("manifest.sig")).doesNotExist();
                    assertThat(dir.resolve("manifest.sha256.tmp")).hasContent("m");
                });
        assertThat(Files.readString(dir.resolve("manifest.sha256"))).isEqualTo("m");
        assertThat(Files.readString(dir.resolve("manifest.sig"))).isEqualTo("s");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("manifest.sig"))))
                .isEqualTo("rw-------");

        Path other = Files.createDirectory(dir.resolve("other"));
        assertThatThrownBy(() -> CheckpointFiles.writeAll(other, List.of("manifest.sha256", "manifest.sig"),
                List.of("m".getBytes(), "s".getBytes()), () -> {
                    throw new CheckpointException(CheckpointException.Reason.IoFailed, "the tree could not be synced");
                })).isInstanceOfSatisfying(CheckpointException.class,
                        e -> assertThat(e.getMessage()).contains("could not be synced"));
        assertThat(other.resolve("manifest.sig")).doesNotExist();
        assertThat(other.resolve("manifest.sha256")).doesNotExist();
    }

    @Test
    void theWrittenStepRunsOnceBothTempFilesHoldTheirContentAndBeforeTheRenames() throws Exception {
        List<String> steps = new java.util.ArrayList<>();
        CheckpointFiles.writeAll(dir, List.of("manifest.sha256", "manifest.sig"), List.of("m".getBytes(), "s".getBytes()),
                () -> {
                    assertThat(dir.resolve("manifest.sha256.tmp")).hasContent("m");
                    assertThat(dir.resolve("manifest.sig.tmp")).hasContent("s");
                    steps.add("written");
                }, () -> steps.add("before rename"));
        assertThat(steps).containsExactly("written", "before rename");
        assertThat(dir.resolve("manifest.sig")).hasContent("s");
    }

    @Test
    void aSymlinkPlantedAtATempPathIsRefusedAndItsTargetUntouched() throws Exception {
        Path target = Files.writeString(dir.resolve("victim"), "victim");
        Files.createSymbolicLink(dir.resolve("manifest.sig.tmp"), target);
        assertThatThrownBy(() -> CheckpointFiles.writeAll(dir, List.of("manifest.sha256", "manifest.sig"),
                List.of("m".getBytes(), "s".getBytes()), () -> { }))
                .isInstanceOfSatisfying(CheckpointException.class,
                        e -> assertThat(e.reason()).isEqualTo(CheckpointException.Reason.SymlinkRefused));
        assertThat(Files.readString(target)).isEqualTo("victim");
        assertThat(dir.resolve("manifest.sig")).doesNotExist();
    }
}
