package dev.nucleus.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nucleus.api.testing.CrdCatalog;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Java types build valid objects with their chained setters and are known to fabric8's deserializer. */
class TypesTest {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  @Test
  void aSandboxBuiltWithChainedSettersPassesTheApiServerRules() {
    NucleusSandbox sandbox = new NucleusSandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName("built").withNamespace("default").build());
    sandbox.setSpec(new NucleusSandboxSpec()
        .setCommand(List.of("/bin/sh", "-c", "echo hi"))
        .setEnv(List.of(new EnvVar().setName("A").setValue("1")))
        .setRootfs(new Rootfs().setHost(true))
        .setResources(new Resources().setMemory("128Mi").setCpu("0.5").setPids(64L).setIoWeight(100))
        .setSecurity(new Security()
            .setSeccomp(new Seccomp().setProfile(SeccompProfile.Strict).setAllowSyscalls(List.of("ptrace")))
            .setLandlock(new Landlock().setReadWrite(List.of("/data")).setTcpConnect(List.of(443)))
            .setCapabilities(new Capabilities().setAdd(List.of(Capability.CAP_NET_BIND_SERVICE)))
            .setRunAsUser(1000L).setUserNamespace(true).setTimeNamespace(true))
        .setNetwork(new Network().setMode(NetworkMode.Host))
        .setVolumes(List.of(new Volume().setName("data").setMountPath("/data")
            .setHostPath(new HostPathVolume().setPath("/srv/data").setReadOnly(false))))
        .setLifecycle(new Lifecycle().setRestartPolicy(RestartPolicy.OnFailure).setActiveDeadlineSeconds(60L))
        .setNodeSelector(Map.of("kubernetes.io/arch", "amd64")));

    JsonNode json = SERIALIZATION.convertValue(sandbox, JsonNode.class);

    assertThat(json.at("/apiVersion").asText()).isEqualTo("nucleus.dev/v1alpha1");
    assertThat(json.at("/spec/security/capabilities/add/0").asText()).isEqualTo("CAP_NET_BIND_SERVICE");
    assertThat(json.at("/spec/rootfs").has("path")).as("nulls are left out").isFalse();
    assertThat(json.at("/spec/security/timeNamespace").asBoolean()).isTrue();
    assertThat(CrdCatalog.generated().validateCreate(json)).isEmpty();
  }

  @Test
  void fabric8DeserializesBothKindsIntoTheirTypes() {
    String yaml = """
        apiVersion: nucleus.dev/v1alpha1
        kind: NucleusCheckpoint
        metadata: {name: c1}
        spec:
          sandboxRef: {name: counter}
        status:
          phase: Completed
          metadata:
            command: [/bin/sh]
            resources: {memory: 32Mi}
        """;

    Object object = SERIALIZATION.unmarshal(yaml);

    assertThat(object).isInstanceOf(NucleusCheckpoint.class);
    NucleusCheckpoint checkpoint = (NucleusCheckpoint) object;
    assertThat(checkpoint.getSpec().getSandboxRef().getName()).isEqualTo("counter");
    assertThat(checkpoint.getStatus().getPhase()).isEqualTo(CheckpointPhase.Completed);
    assertThat(checkpoint.getStatus().getMetadata().getResources().getMemory()).isEqualTo("32Mi");
    Object sandbox = SERIALIZATION.unmarshal("apiVersion: nucleus.dev/v1alpha1\nkind: NucleusSandbox\n");
    assertThat(sandbox).isInstanceOf(NucleusSandbox.class);
  }

  @Test
  void capabilityNumbersAreTheKernels() {
    assertThat(Capability.CAP_CHOWN.number()).isZero();
    assertThat(Capability.CAP_NET_BIND_SERVICE.number()).isEqualTo(10);
    assertThat(Capability.CAP_SYS_ADMIN.number()).isEqualTo(21);
    assertThat(Capability.CAP_BPF.number()).isEqualTo(39);
    assertThat(Capability.CAP_CHECKPOINT_RESTORE.number()).isEqualTo(40);
  }

  @Test
  void crdNamesMatchTheSharedNames() {
    assertThat(new NucleusSandbox().getApiVersion()).isEqualTo(NucleusNames.GROUP + "/" + NucleusNames.VERSION);
    assertThat(new NucleusCheckpoint().getApiVersion()).isEqualTo(NucleusNames.GROUP + "/" + NucleusNames.VERSION);
  }
}
