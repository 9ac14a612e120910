package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nucleus.agent.network.NetworkMode;
import dev.nucleus.agent.rootfs.RootfsSource;
import dev.nucleus.agent.rootfs.Volume;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.api.v1alpha1.Capabilities;
import dev.nucleus.api.v1alpha1.Capability;
import dev.nucleus.api.v1alpha1.EnvVar;
import dev.nucleus.api.v1alpha1.HostPathVolume;
import dev.nucleus.api.v1alpha1.Landlock;
import dev.nucleus.api.v1alpha1.Lifecycle;
import dev.nucleus.api.v1alpha1.Network;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.Resources;
import dev.nucleus.api.v1alpha1.Rootfs;
import dev.nucleus.api.v1alpha1.SandboxRuntime;
import dev.nucleus.api.v1alpha1.Seccomp;
import dev.nucleus.api.v1alpha1.SeccompProfile;
import dev.nucleus.api.v1alpha1.Security;
import dev.nucleus.api.v1alpha1.TmpfsVolume;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SpecTranslatorTest {
  NucleusSandboxSpec hello() {
    return new NucleusSandboxSpec().setCommand(List.of("/bin/sh", "-c")).setArgs(List.of("echo hi"));
  }

  @Test
  void minimalSpecGetsEveryWallByDefault() throws Exception {
    SandboxConfig c = SpecTranslator.translate("nsb-1", hello());
    assertThat(c.command()).containsExactly("/bin/sh", "-c", "echo hi");
    assertThat(c.rootfs()).isInstanceOf(RootfsSource.Host.class);
    assertThat(c.network()).isEqualTo(NetworkMode.NONE);
    assertThat(c.seccomp()).isEqualTo(SandboxConfig.Seccomp.DEFAULT);
    assertThat(c.landlock().enabled()).isTrue();
    assertThat(c.capabilitiesAdd()).isEmpty();
    assertThat(c.resources()).isEqualTo(SandboxConfig.Resources.UNLIMITED);
    assertThat(c.timeNamespace()).isFalse();
  }

  @Test
  void everySupportedFieldIsCarried() throws Exception {
    NucleusSandboxSpec spec = hello().setEnv(List.of(new EnvVar().setName("A").setValue("1")))
        .setWorkingDir("/tmp")
        .setRootfs(new Rootfs().setPath("/srv/rootfs").setWritable(true))
        .setResources(new Resources().setMemory("64Mi").setCpu("500m").setPids(32L))
        .setSecurity(new Security().setRunAsUser(1000L).setRunAsGroup(1000L).setUserNamespace(true).setTimeNamespace(true)
            .setSeccomp(new Seccomp().setProfile(SeccompProfile.Strict).setAllowSyscalls(List.of("uname")))
            .setLandlock(new Landlock().setReadWrite(List.of("/data")).setTcpConnect(List.of(443)))
            .setCapabilities(new Capabilities().setAdd(List.of(Capability.CAP_NET_BIND_SERVICE))))
        .setNetwork(new Network().setMode(dev.nucleus.api.v1alpha1.NetworkMode.Host))
        .setVolumes(List.of(
            new dev.nucleus.api.v1alpha1.Volume().setName("d").setMountPath("/data")
                .setHostPath(new HostPathVolume().setPath("/srv/data").setReadOnly(true)),
            new dev.nucleus.api.v1alpha1.Volume().setName("t").setMountPath("/scratch")
                .setTmpfs(new TmpfsVolume().setSize("16Mi"))))
        .setLifecycle(new Lifecycle().setActiveDeadlineSeconds(30L));
    SandboxConfig c = SpecTranslator.translate("nsb-2", spec);
    assertThat(c.env()).containsEntry("A", "1");
    assertThat(c.workingDir()).isEqualTo("/tmp");
    assertThat(c.rootfs()).isEqualTo(new RootfsSource.Directory(Path.of("/srv/rootfs")));
    assertThat(c.resources()).isEqualTo(new SandboxConfig.Resources(64L << 20, 500, 32));
    assertThat(c.uid()).isEqualTo(1000);
    assertThat(c.userNamespace()).isTrue();
    assertThat(c.timeNamespace()).isTrue();
    assertThat(c.seccomp()).isEqualTo(new SandboxConfig.Seccomp("Strict", List.of("uname")));
    assertThat(c.landlock().readWrite()).containsExactly("/data");
    assertThat(c.landlock().tcpConnect()).containsExactly(443);
    assertThat(c.capabilitiesAdd()).containsExactly("CAP_NET_BIND_SERVICE");
    assertThat(c.network()).isEqualTo(NetworkMode.HOST);
    assertThat(c.volumes()).containsExactly(new Volume.HostPath(Path.of("/srv/data"), "/data", true),
        new Volume.Tmpfs("/scratch", 16L << 20));
    assertThat(c.timeoutSeconds()).isEqualTo(30);
  }

  @Test
  void whatTheRuntimeCannotHonourIsRefusedByFieldNeverDropped() {
    assertThatThrownBy(() -> SpecTranslator.translate("x", new NucleusSandboxSpec()))
        .isInstanceOf(EngineException.class).hasMessageContaining("spec.command");
    assertThatThrownBy(() -> SpecTranslator.translate("x", hello().setRuntime(SandboxRuntime.GVisor)))
        .satisfies(e -> assertThat(((EngineException) e).reason()).isEqualTo(Reasons.RUNTIME_UNAVAILABLE));
    assertThatThrownBy(() -> SpecTranslator.translate("x", hello().setRootfs(new Rootfs().setPath("/srv/r"))))
        .hasMessageContaining("spec.rootfs.path without writable");
    assertThatThrownBy(() -> SpecTranslator.translate("x", hello().setResources(new Resources().setIoWeight(100))))
        .hasMessageContaining("spec.resources.ioWeight");
    assertThatThrownBy(() -> SpecTranslator.translate("x",
        hello().setSecurity(new Security().setLandlock(new Landlock().setExecute(List.of("/opt"))))))
        .hasMessageContaining("landlock.execute");
    assertThatThrownBy(() -> SpecTranslator.translate("x",
        hello().setNetwork(new Network().setMode(dev.nucleus.api.v1alpha1.NetworkMode.Bridge))))
        .hasMessageContaining("spec.network.mode Bridge");
    assertThatThrownBy(() -> SpecTranslator.translate("x", hello().setResources(new Resources().setMemory("lots"))))
        .satisfies(e -> assertThat(((EngineException) e).reason()).isEqualTo(Reasons.INVALID_SPEC))
        .hasMessageContaining("spec.resources.memory: 'lots'");
  }
}
