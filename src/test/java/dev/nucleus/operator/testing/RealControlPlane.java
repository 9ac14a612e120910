package dev.nucleus.operator.testing;

import dev.nucleus.testing.controlplane.ControlPlaneBinaries;
import dev.nucleus.testing.controlplane.KubeControlPlane;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Points the operator under test at a real etcd + kube-apiserver + kube-controller-manager with the committed CRDs
 * (schema and CEL) applied and the test namespaces created. One control plane per test JVM: Quarkus restarts the
 * application when a test profile changes, and starting the plane costs tens of seconds, so it outlives those
 * restarts and is stopped by its own shutdown hook when the JVM exits.
 */
public final class RealControlPlane implements QuarkusTestResourceLifecycleManager {
  /** Namespaces the operator tests use; a real API server refuses objects in a namespace that does not exist. */
  public static final List<String> NAMESPACES = List.of(FakeAgents.NAMESPACE, "sandboxes", "checkpoints", "bench",
      "handover");

  private static KubeControlPlane plane;

  /** The shared control plane, started on first use. */
  public static synchronized KubeControlPlane plane() {
    if (plane == null) {
      KubeControlPlane started = KubeControlPlane.start(ControlPlaneBinaries.locate());
      try {
        installCrds(started);
        for (String ns : NAMESPACES) {
          started.kubectl("create", "namespace", ns).orThrow();
        }
      } catch (RuntimeException e) {
        started.close();
        throw e;
      }
      plane = started;
    }
    return plane;
  }

  /** The CRDs as users install them: the committed YAML, server-side applied, waited on until served. */
  private static void installCrds(KubeControlPlane started) {
    Path dir = Path.of(System.getProperty("crds.dir", "../crds"));
    if (!Files.isRegularFile(dir.resolve("nucleussandboxes.nucleus.dev.yaml"))) {
      throw new IllegalStateException("no committed CRDs in " + dir.toAbsolutePath() + " (system property crds.dir)");
    }
    started.kubectl("apply", "--server-side", "-f", dir.toString()).orThrow();
    started.kubectl("wait", "--for=condition=Established", "--timeout=120s",
        "crd/nucleussandboxes.nucleus.dev", "crd/nucleuscheckpoints.nucleus.dev").orThrow();
  }

  @Override
  public Map<String, String> start() {
    Map<String, String> properties = new HashMap<>(plane().quarkusClientProperties());
    // The committed CRDs are installed above; QOSDK's generated ones (no CEL) must not replace them.
    properties.put("quarkus.operator-sdk.crd.apply", "false");
    return properties;
  }

  @Override
  public void stop() {
    // Kept for the next application start in this JVM; KubeControlPlane's shutdown hook stops it at exit.
  }
}
