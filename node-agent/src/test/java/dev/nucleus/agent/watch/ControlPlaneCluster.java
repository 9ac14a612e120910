package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusCheckpointSpec;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.LocalObjectReference;
import dev.nucleus.testing.controlplane.KubeControlPlane;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;
import java.util.Map;

/**
 * Test helpers around the real control plane (docs/control-plane.md): the committed CRDs applied with kubectl, one
 * namespace per test, and the operator's writes done by hand, since these tests are about the agent.
 */
final class ControlPlaneCluster {
  private static volatile boolean installed;

  private ControlPlaneCluster() {}

  /** Applies crds/*.yaml once per control plane (the JVM's only one) and creates the operator namespace. */
  static synchronized void install(KubeControlPlane plane, KubernetesClient client) {
    if (installed) {
      return;
    }
    plane.kubectl("apply", "--server-side", "-f", "../crds/").orThrow();
    plane.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all").orThrow();
    namespace(client, MockCluster.NAMESPACE);
    installed = true;
  }

  /** A new admin client of the control plane, the CRDs installed and namespace {@code ns} there. */
  static KubernetesClient adminClient(KubeControlPlane plane, String ns) {
    KubernetesClient client = plane.newClient();
    install(plane, client);
    namespace(client, ns);
    return client;
  }

  static void namespace(KubernetesClient client, String name) {
    client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .serverSideApply();
  }

  /**
   * What the operator writes when it places a sandbox: Scheduled, nodeName and a condition (a merge patch), then the
   * node label. In that order the agent, which selects on the label, never sees the object before its placement, so
   * the hand-written Scheduled can never land after the agent's own phase.
   */
  static void placeSandbox(KubernetesClient client, String ns, String name) {
    String condition = "{\"type\":\"Scheduled\",\"status\":\"True\",\"reason\":\"" + Reasons.SCHEDULED
        + "\",\"message\":\"placed on " + MockCluster.NODE + "\",\"lastTransitionTime\":\"2026-11-29T20:00:00Z\","
        + "\"observedGeneration\":1}";
    mergeStatus(client, NucleusSandbox.class, ns, name, "{\"status\":{\"phase\":\"Scheduled\",\"nodeName\":\""
        + MockCluster.NODE + "\",\"observedGeneration\":1,\"conditions\":[" + condition + "]}}");
    client.resources(NucleusSandbox.class).inNamespace(ns).withName(name).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"labels\":{\"" + NucleusNames.NODE_LABEL + "\":\"" + MockCluster.NODE + "\"}}}");
  }

  /** A sandbox's status as the API server has it; an empty one while it has none or is gone. */
  static NucleusSandboxStatus sandboxStatus(KubernetesClient client, String ns, String name) {
    NucleusSandbox sandbox = client.resources(NucleusSandbox.class).inNamespace(ns).withName(name).get();
    return sandbox == null || sandbox.getStatus() == null ? new NucleusSandboxStatus() : sandbox.getStatus();
  }

  /** A checkpoint's status as the API server has it; an empty one while it has none or is gone. */
  static NucleusCheckpointStatus checkpointStatus(KubernetesClient client, String ns, String name) {
    NucleusCheckpoint c = client.resources(NucleusCheckpoint.class).inNamespace(ns).withName(name).get();
    return c == null || c.getStatus() == null ? new NucleusCheckpointStatus() : c.getStatus();
  }

  static <T extends io.fabric8.kubernetes.api.model.HasMetadata> void mergeStatus(KubernetesClient client,
      Class<T> type, String ns, String name, String patch) {
    client.resources(type).inNamespace(ns).withName(name).subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
  }

  /** A checkpoint as the operator admits it: label and nodeName of the sandbox's node, phase Pending. */
  static NucleusCheckpoint admittedCheckpoint(KubernetesClient client, String ns, String name, String sandbox,
      boolean leaveRunning) {
    NucleusCheckpoint ck = new NucleusCheckpoint();
    ck.getMetadata().setNamespace(ns);
    ck.getMetadata().setName(name);
    ck.getMetadata().setLabels(Map.of(NucleusNames.NODE_LABEL, MockCluster.NODE));
    ck.getMetadata().setFinalizers(List.of(NucleusNames.CHECKPOINT_FINALIZER));
    ck.setSpec(new NucleusCheckpointSpec().setSandboxRef(new LocalObjectReference().setName(sandbox))
        .setLeaveRunning(leaveRunning));
    NucleusCheckpoint created = client.resource(ck).create();
    setPending(client, ns, name, null);
    return created;
  }

  /** The operator's admission, or its retry after a failed attempt (attempts stay as the agent wrote them). */
  static void setPending(KubernetesClient client, String ns, String name, String message) {
    mergeStatus(client, NucleusCheckpoint.class, ns, name, "{\"status\":{\"phase\":\"Pending\",\"nodeName\":\""
        + MockCluster.NODE + "\",\"reason\":\"" + Reasons.CHECKPOINT_PENDING + "\",\"message\":\""
        + (message == null ? "waiting for the node agent" : message) + "\",\"observedGeneration\":1}}");
  }

  /**
   * Removes every sandbox and checkpoint a test left (finalizers dropped first), so the next test's agent, which
   * watches the same node label on the JVM's one control plane, starts from an empty cluster.
   */
  static void wipe(KubernetesClient client) {
    for (Class<? extends io.fabric8.kubernetes.api.model.HasMetadata> type
        : List.of(NucleusSandbox.class, NucleusCheckpoint.class)) {
      var all = client.resources(type).inAnyNamespace();
      for (var item : all.list().getItems()) {
        var one = client.resources(type).inNamespace(item.getMetadata().getNamespace())
            .withName(item.getMetadata().getName());
        if (item.getMetadata().getFinalizers() != null && !item.getMetadata().getFinalizers().isEmpty()) {
          one.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
        }
        one.delete();
      }
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
          .until(() -> all.list().getItems().isEmpty());
    }
  }

  /** The operator releasing the checkpoint-cleanup finalizer once the agent confirmed. */
  static void releaseFinalizer(KubernetesClient client, String ns, String name) {
    client.resources(NucleusCheckpoint.class).inNamespace(ns).withName(name).edit(c -> {
      c.getMetadata().setFinalizers(List.of());
      return c;
    });
  }
}
