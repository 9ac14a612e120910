package dev.nucleus.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.HostPathVolume;
import dev.nucleus.api.v1alpha1.Landlock;
import dev.nucleus.api.v1alpha1.LocalObjectReference;
import dev.nucleus.api.v1alpha1.Network;
import dev.nucleus.api.v1alpha1.NetworkMode;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Resources;
import dev.nucleus.api.v1alpha1.RestoreFrom;
import dev.nucleus.api.v1alpha1.SandboxRuntime;
import dev.nucleus.api.v1alpha1.Security;
import dev.nucleus.api.v1alpha1.TmpfsVolume;
import dev.nucleus.api.v1alpha1.Volume;
import dev.nucleus.operator.model.SandboxValidator.RestoreSource;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SandboxValidatorTest {

  private static NucleusSandboxSpec hello() {
    return new NucleusSandboxSpec().setCommand(List.of("/bin/echo", "hello"));
  }

  private static List<SpecProblem> validate(NucleusSandboxSpec spec) {
    return SandboxValidator.validate(spec, Optional.empty());
  }

  @Test
  void aPlainSpecIsValid() {
    assertThat(validate(hello())).isEmpty();
  }

  @Test
  void reservedRuntimeAndNetworkAreRefusedByName() {
    var spec = hello().setRuntime(SandboxRuntime.GVisor).setNetwork(new Network().setMode(NetworkMode.Bridge));
    assertThat(validate(spec)).extracting(SpecProblem::field).containsExactly("spec.runtime", "spec.network.mode");
  }

  @Test
  void volumePathsMustBeCleanAndHostPathsNotSensitive() {
    var spec = hello().setVolumes(List.of(
        new Volume().setName("ok").setMountPath("/data").setHostPath(new HostPathVolume().setPath("/srv/data")),
        new Volume().setName("up").setMountPath("/data/../etc").setHostPath(new HostPathVolume().setPath("/srv")),
        new Volume().setName("proc").setMountPath("/p").setHostPath(new HostPathVolume().setPath("/proc/1/root")),
        new Volume().setName("root").setMountPath("/").setTmpfs(new TmpfsVolume().setSize("0")),
        new Volume().setName("host").setMountPath("/h").setHostPath(new HostPathVolume().setPath("/"))));

    assertThat(validate(spec)).extracting(SpecProblem::toString).containsExactly(
        "spec.volumes[1].mountPath: must not contain '..' segments, got \"/data/../etc\"",
        "spec.volumes[2].hostPath.path: must not be at or below /proc: host kernel interfaces are refused",
        "spec.volumes[3].mountPath: must not be \"/\": that would replace the root filesystem",
        "spec.volumes[3].tmpfs.size: must be a positive quantity, got \"0\"",
        "spec.volumes[4].hostPath.path: must not be \"/\": that exposes the whole host");
  }

  @Test
  void landlockAndWorkingDirPathsAreChecked() {
    var landlock = new Landlock().setReadOnly(List.of("/usr", "usr/lib")).setReadWrite(List.of("/tmp//x"));
    var spec = hello().setWorkingDir("/work/./x").setSecurity(new Security().setLandlock(landlock));
    assertThat(validate(spec)).extracting(SpecProblem::field).containsExactly(
        "spec.workingDir", "spec.security.landlock.readOnly[1]", "spec.security.landlock.readWrite[0]");
  }

  @Test
  void memoryMustBePositive() {
    assertThat(validate(hello().setResources(new Resources().setMemory("0Mi"))))
        .extracting(SpecProblem::field).containsExactly("spec.resources.memory");
    assertThat(validate(hello().setResources(new Resources().setMemory("64Mi")))).isEmpty();
  }

  @Test
  void restoreNeedsACompletedCheckpointInTheNamespace() {
    var spec = new NucleusSandboxSpec()
        .setRestoreFrom(new RestoreFrom().setCheckpointRef(new LocalObjectReference().setName("ck")));

    var missing = SandboxValidator.validate(spec, Optional.of(RestoreSource.missing("ck")));
    var running = SandboxValidator.validate(spec, Optional.of(new RestoreSource("ck", true,
        new NucleusCheckpointStatus().setPhase(CheckpointPhase.Running).setNodeName("n"))));
    var done = SandboxValidator.validate(spec, Optional.of(new RestoreSource("ck", true,
        new NucleusCheckpointStatus().setPhase(CheckpointPhase.Completed).setNodeName("n"))));

    assertThat(missing).extracting(SpecProblem::toString)
        .containsExactly("spec.restoreFrom.checkpointRef.name: checkpoint \"ck\" does not exist in this namespace");
    assertThat(running).extracting(SpecProblem::toString)
        .containsExactly("spec.restoreFrom.checkpointRef.name: checkpoint \"ck\" is Running, not Completed");
    assertThat(SandboxValidator.onlyRestoreProblems(running)).isTrue();
    assertThat(done).isEmpty();
  }

  @Test
  void requirementsFollowTheSpec() {
    var spec = hello().setSecurity(new Security().setLandlock(new Landlock().setTcpConnect(List.of(443))))
        .setResources(new Resources().setMemory("128Mi"))
        .setRestoreFrom(new RestoreFrom().setCheckpointRef(new LocalObjectReference().setName("ck")));

    var req = SandboxRequirements.from(spec, "node-b");

    assertThat(req.landlockAbi()).isEqualTo(4);
    assertThat(req.needsCriu()).isTrue();
    assertThat(req.requiredNode()).isEqualTo("node-b");
    assertThat(req.memoryBytes()).isEqualTo(128L << 20);
    assertThat(SandboxRequirements.from(hello(), "ignored").requiredNode()).isNull();
  }
}
