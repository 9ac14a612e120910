package dev.nucleus.testing.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlPlaneBinariesTest {

    @Test
    void aDirectoryWithoutACompletedBuildFailsNamingTheBuildScript(@TempDir Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));

        assertThatThrownBy(() -> ControlPlaneBinaries.at(bin))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("MANIFEST absent")
                .hasMessageContaining(".ci/control-plane/build.sh");
    }

    @Test
    void aMissingBinaryFailsEvenWithAManifest(@TempDir Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("MANIFEST"), "kubernetes=v1.35.4\n");
        for (String name : new String[] {"etcd", "kube-apiserver", "kubectl", "helm"}) {
            executable(bin.resolve(name));
        }

        assertThatThrownBy(() -> ControlPlaneBinaries.at(bin))
                .hasMessageContaining("kube-controller-manager is not an executable file")
                .hasMessageContaining(".ci/control-plane/build.sh");
    }

    @Test
    void aCompletedBuildReportsItsKubernetesVersion(@TempDir Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.writeString(dir.resolve("MANIFEST"), "kubernetes=v1.35.4\netcd=3.6.5\n");
        for (String name : new String[] {"etcd", "kube-apiserver", "kube-controller-manager", "kubectl", "helm"}) {
            executable(bin.resolve(name));
        }

        ControlPlaneBinaries binaries = ControlPlaneBinaries.at(bin);

        assertThat(binaries.kubernetesVersion()).isEqualTo("1.35.4");
        assertThat(binaries.binary("etcd")).isEqualTo(bin.resolve("etcd"));
    }

    private static void executable(Path file) throws IOException {
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
