package dev.nucleus.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nucleus.api.testing.CrdCatalog;
import dev.nucleus.testing.controlplane.KubeControlPlane;
import dev.nucleus.testing.controlplane.KubeControlPlaneExtension;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Java types against a real kube-apiserver with the committed CRDs: the server applies the schema defaults,
 * keeps status behind its subresource, refuses the immutable fields through the CEL transition rules with the
 * messages {@link CelRulesTest} expects from the in-process validator, and shows the printer columns.
 */
@ExtendWith(KubeControlPlaneExtension.class)
class ApiOnRealServerTest {
  private static final String NS = "api-types";
  private static KubeControlPlane plane;
  private static KubernetesClient client;

  @BeforeAll
  static void installCrds(KubeControlPlane controlPlane) throws Exception {
    plane = controlPlane;
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("crds.committed", "unset")))) {
      for (Path crd : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        plane.kubectl("apply", "--server-side", "-f", crd.toString()).orThrow();
      }
    }
    plane.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all").orThrow();
    client = plane.newClient();
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
  }

  @AfterAll
  static void closeClient() {
    if (client != null) {
      client.close();
    }
  }

  private static NucleusSandbox sandbox(String name, NucleusSandboxSpec spec) {
    NucleusSandbox sandbox = new NucleusSandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    sandbox.setSpec(spec);
    return sandbox;
  }

  @Test
  void theServerFillsTheDefaultsAndKeepsStatusBehindItsSubresource() {
    NucleusSandbox created = client.resource(sandbox("typed", new NucleusSandboxSpec()
        .setCommand(List.of("/bin/true"))
        .setNetwork(new Network())
        .setVolumes(List.of(new Volume().setName("scratch").setMountPath("/scratch").setTmpfs(new TmpfsVolume())))))
        .create();

    assertThat(created.getSpec().getRuntime()).isEqualTo(SandboxRuntime.Native);
    assertThat(created.getSpec().getNetwork().getMode()).isEqualTo(NetworkMode.None);
    assertThat(created.getSpec().getVolumes().get(0).getTmpfs().getSize()).isEqualTo("64Mi");

    created.setStatus(new NucleusSandboxStatus().setPhase(SandboxPhase.Running).setNodeName("node-a")
        .setExitCode(0).setReason(Reasons.RUNNING));
    client.resource(created).updateStatus();
    NucleusSandbox read = client.resources(NucleusSandbox.class).inNamespace(NS).withName("typed").get();

    assertThat(read.getStatus().getPhase()).isEqualTo(SandboxPhase.Running);
    assertThat(plane.kubectl("get", "nsb", "typed", "-n", NS).orThrow().stdout())
        .containsPattern("NAME\\s+PHASE\\s+NODE\\s+EXIT CODE\\s+AGE\\s+REASON")
        .containsPattern("typed\\s+Running\\s+node-a\\s+0\\s+\\S+\\s+Running");
  }

  @Test
  void restoreFromIsImmutableOnTheServer() {
    NucleusSandbox restored = client.resource(sandbox("restored", new NucleusSandboxSpec()
        .setRestoreFrom(new RestoreFrom().setCheckpointRef(new LocalObjectReference().setName("c1")))))
        .create();
    restored.getSpec().getRestoreFrom().getCheckpointRef().setName("c2");

    assertThatThrownBy(() -> client.resource(restored).update())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("spec: Invalid value: spec.restoreFrom is immutable");
  }

  @Test
  void checkpointSpecIsImmutableButItsStatusIsNot() {
    NucleusCheckpoint checkpoint = new NucleusCheckpoint();
    checkpoint.setMetadata(new ObjectMetaBuilder().withName("ckpt").withNamespace(NS).build());
    checkpoint.setSpec(new NucleusCheckpointSpec().setSandboxRef(new LocalObjectReference().setName("typed")));
    NucleusCheckpoint created = client.resource(checkpoint).create();

    assertThat(created.getSpec().getBackoffLimit()).isEqualTo(3);
    assertThat(created.getSpec().getLeaveRunning()).isFalse();

    created.setStatus(new NucleusCheckpointStatus().setPhase(CheckpointPhase.Completed).setSizeBytes(4096L));
    NucleusCheckpoint withStatus = client.resource(created).updateStatus();
    assertThat(withStatus.getStatus().getSizeBytes()).isEqualTo(4096L);

    withStatus.getSpec().setLeaveRunning(true);
    assertThatThrownBy(() -> client.resource(withStatus).update())
        .isInstanceOfSatisfying(KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(422))
        .hasMessageContaining("spec: Invalid value: spec is immutable: create a new NucleusCheckpoint instead");
  }

  @Test
  void theServerAndTheInProcessValidatorAgreeOnWhatTheServerStores() {
    NucleusSandbox created = client.resource(sandbox("agree", new NucleusSandboxSpec()
        .setCommand(List.of("/bin/sh", "-c", "true"))
        .setRootfs(new Rootfs().setHost(true))
        .setLifecycle(new Lifecycle()))).create();
    JsonNode stored = client.getKubernetesSerialization().convertValue(created, JsonNode.class);
    JsonNode defaulted = CrdCatalog.generated().validator("NucleusSandbox").withDefaults(stored);

    assertThat(CrdCatalog.generated().validateCreate(stored)).isEmpty();
    assertThat(defaulted.get("spec")).as("the server already applied every default the validator knows")
        .isEqualTo(stored.get("spec"));
    assertThat(stored.at("/spec/lifecycle/restartPolicy").asText()).isEqualTo("Never");
    assertThat(stored.at("/spec/lifecycle/stopGracePeriodSeconds").asInt()).isEqualTo(10);
  }
}
