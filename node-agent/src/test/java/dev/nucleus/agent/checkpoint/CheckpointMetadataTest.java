package dev.nucleus.agent.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.nucleus.agent.checkpoint.CheckpointException.Reason;

class CheckpointMetadataTest {

    @TempDir
    Path dir;

    static CheckpointMetadata sample() throws Exception {
        return new CheckpointMetadata("counter-1", "counter", 4242, List.of("/bin/sh", "-c", "loop"), 1_700_000_000L,
                "0.1.0", false, false, true, "node-a", "4.1.1",
                new ResourceLimits(64L << 20, 50_000L, 100_000L, 64L, null),
                List.of(new ExternalMount("data", "/data", "/var/lib/nucleus/sandboxes/counter-1/data")),
                new ObjectMapper().readTree("{\"command\":[\"/bin/sh\"],\"memory\":\"64Mi\"}"));
    }

    @Test
    void savesAndLoadsTheOriginalFieldsAsSnakeCaseJson() throws Exception {
        CheckpointMetadata metadata = sample();
        metadata.save(dir);

        String json = Files.readString(dir.resolve("metadata.json"));
        assertThat(json).contains("\"container_id\"", "\"container_name\"", "\"original_pid\" : 4242", "\"command\"",
                "\"checkpoint_at\" : 1700000000", "\"version\"", "\"using_gvisor\" : false", "\"rootless\" : false",
                "\"memory_bytes\" : 67108864", "\"pids_max\" : 64", "\"node\" : \"node-a\"", "\"memory\" : \"64Mi\"");
        assertThat(CheckpointMetadata.load(dir)).isEqualTo(metadata);
    }

    @Test
    void writesMode0600AndLeavesNoTempFile() throws Exception {
        sample().save(dir);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("metadata.json"))))
                .isEqualTo("rw-------");
        assertThat(dir.resolve("metadata.json.tmp")).doesNotExist();
    }

    @Test
    void itsBytesAreExactlyWhatSaveWrites() throws Exception {
        sample().save(dir);
        assertThat(sample().bytes()).isEqualTo(Files.readAllBytes(dir.resolve("metadata.json")));
    }

    @Test
    void refusesASymlinkPlantedAtTheTempPathAndLeavesItsTargetAlone() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim"), "precious");
        Files.createSymbolicLink(dir.resolve("metadata.json.tmp"), victim);

        assertThatThrownBy(() -> sample().save(dir))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SymlinkRefused));
        assertThat(Files.readString(victim)).isEqualTo("precious");
        assertThat(dir.resolve("metadata.json")).doesNotExist();
    }

    @Test
    void refusesADanglingSymlinkAtTheTempPathWithoutCreatingItsTarget() throws Exception {
        Path target = dir.resolve("created-through-link");
        Files.createSymbolicLink(dir.resolve("metadata.json.tmp"), target);

        assertThatThrownBy(() -> sample().save(dir)).isInstanceOf(CheckpointException.class);
        assertThat(target).doesNotExist();
    }

    @Test
    void removesAStaleRegularTempFileAndOverwritesAtomically() throws Exception {
        Files.writeString(dir.resolve("metadata.json.tmp"), "half-written garbage");
        Files.writeString(dir.resolve("metadata.json"), "old");

        sample().save(dir);

        assertThat(CheckpointMetadata.load(dir).containerId()).isEqualTo("counter-1");
        assertThat(dir.resolve("metadata.json.tmp")).doesNotExist();
    }

    @Test
    void atomicWriteOpenRefusesSymlinksAtTheKernelLevel() throws Exception {
        // Files.isSymbolicLink is only the first line; the open itself must carry O_EXCL|O_NOFOLLOW.
        Path link = dir.resolve("x.tmp");
        Files.createSymbolicLink(link, dir.resolve("elsewhere"));
        assertThatThrownBy(() -> java.nio.channels.FileChannel.open(link, java.util.Set.of(
                java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.LinkOption.NOFOLLOW_LINKS))).isInstanceOf(java.nio.file.FileAlreadyExistsException.class);
        assertThatThrownBy(() -> CheckpointFiles.read(link, Reason.MetadataMissing))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SymlinkRefused));
    }

    @Test
    void loadRefusesASymlinkedMetadataFile() throws Exception {
        Path elsewhere = Files.createDirectory(dir.resolve("elsewhere"));
        sample().save(elsewhere);
        Path checkpoint = Files.createDirectory(dir.resolve("checkpoint"));
        Files.createSymbolicLink(checkpoint.resolve("metadata.json"), elsewhere.resolve("metadata.json"));

        assertThatThrownBy(() -> CheckpointMetadata.load(checkpoint))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.reason()).isEqualTo(Reason.SymlinkRefused));
    }

    @Test
    void missingMetadataIsAPreciseReason() {
        assertThatThrownBy(() -> CheckpointMetadata.load(dir))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.MetadataMissing);
                    assertThat(e.getMessage()).contains("metadata.json");
                });
    }

    @Test
    void garbageAndInvalidValuesAreRefused() throws Exception {
        Files.writeString(dir.resolve("metadata.json"), "{not json", StandardCharsets.UTF_8);
        assertThatThrownBy(() -> CheckpointMetadata.load(dir))
                .isInstanceOfSatisfying(CheckpointException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MetadataInvalid));

        String bad = sample().toJson().replace("\"original_pid\" : 4242", "\"original_pid\" : -1")
                .replace("\"cpu_period_us\" : 100000", "\"cpu_period_us\" : 0");
        Files.writeString(dir.resolve("metadata.json"), bad);
        assertThatThrownBy(() -> CheckpointMetadata.load(dir))
                .isInstanceOfSatisfying(CheckpointException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.MetadataInvalid);
                    assertThat(e.getMessage()).contains("original_pid", "cpu_period_us");
                });
    }

    @Test
    void externalMountsRejectTraversalAndBracketInjection() {
        assertThatThrownBy(() -> new ExternalMount("data", "/data/../etc", "/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExternalMount("data", "/data]:x", "/x")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExternalMount("a:b", "/data", "/x")).isInstanceOf(IllegalArgumentException.class);
        ExternalMount ok = new ExternalMount("data", "/data", "/srv/data");
        assertThat(ok.dumpSpec()).isEqualTo("mnt[/data]:data");
        assertThat(ok.restoreSpec()).isEqualTo("mnt[data]:/srv/data");
    }

    @Test
    void statusViewUsesRfc3339AndQuantities() throws Exception {
        var api = sample().toApi();
        assertThat(api.getCheckpointAt()).isEqualTo("2023-11-14T22:13:20Z");
        assertThat(api.getOriginalPid()).isEqualTo(4242L);
        assertThat(api.getResources().getMemory()).isEqualTo("67108864");
        assertThat(api.getResources().getCpu()).isEqualTo("500m");
        assertThat(api.getResources().getPids()).isEqualTo(64L);
    }

    @Test
    void failuresMapToTheApiReasons() {
        assertThat(new CheckpointException(Reason.DigestMismatch, "x").apiReason(true)).isEqualTo("CheckpointCorrupt");
        assertThat(new CheckpointException(Reason.NotRunning, "x").apiReason(false)).isEqualTo("SandboxNotRunning");
        assertThat(new CheckpointException(Reason.CriuUnavailable, "x").apiReason(true)).isEqualTo("CriuUnavailable");
        assertThat(new CheckpointException(Reason.LandlockRestoreRefused, "x").apiReason(true))
                .isEqualTo("LandlockRestoreRefused");
        assertThat(new CheckpointException(Reason.CriuFailed, "x").apiReason(false)).isEqualTo("CheckpointFailed");
        assertThat(new CheckpointException(Reason.CriuFailed, "x").apiReason(true)).isEqualTo("RestoreFailed");
        // reasons a retry cannot change, which the operator treats as final
        assertThat(new CheckpointException(Reason.LandlockBlocksDump, "x").apiReason(false)).isEqualTo("LandlockBlocksDump");
        assertThat(new CheckpointException(Reason.NonRootTasks, "x").apiReason(false)).isEqualTo("NonRootTasks");
        assertThat(new CheckpointException(Reason.GvisorUnsupported, "x").apiReason(false)).isEqualTo("GvisorUnsupported");
    }
}
