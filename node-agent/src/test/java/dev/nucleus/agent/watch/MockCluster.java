package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Resources;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;

/** Test helpers around fabric8's CRUD-mode API server: the generated CRDs, sandbox objects, agent configs. */
final class MockCluster {
  static final String NAMESPACE = "nucleus-system";
  static final String NODE = "node-a";

  /** Held so the level sticks: the mock server logs every request at INFO otherwise. */
  private static final java.util.logging.Logger MOCK_LOG = quiet("io.fabric8.mockwebserver");

  private MockCluster() {}

  private static java.util.logging.Logger quiet(String name) {
    java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
    logger.setLevel(java.util.logging.Level.WARNING);
    return logger;
  }

  /** Registers the CRDs the crds module generated (with their status subresource), as a cluster would. */
  static void installCrds(KubernetesClient client) throws Exception {
    for (String name : List.of("nucleussandboxes", "nucleuscheckpoints")) {
      try (InputStream yaml = MockCluster.class.getResourceAsStream(
          "/META-INF/nucleus/crds/" + name + "." + NucleusNames.GROUP + ".yaml")) {
        if (yaml == null) {
          throw new IllegalStateException("generated CRD for " + name + " not on the test classpath");
        }
        CustomResourceDefinition crd = client.apiextensions().v1().customResourceDefinitions().load(yaml).item();
        client.apiextensions().v1().customResourceDefinitions().resource(crd).create();
      }
    }
  }

  static NucleusSandbox sandbox(String namespace, String name, String node) {
    NucleusSandbox sandbox = new NucleusSandbox();
    sandbox.getMetadata().setNamespace(namespace);
    sandbox.getMetadata().setName(name);
    if (node != null) {
      sandbox.getMetadata().setLabels(new java.util.HashMap<>(java.util.Map.of(NucleusNames.NODE_LABEL, node)));
    }
    sandbox.setSpec(new NucleusSandboxSpec().setCommand(List.of("/bin/sh", "-c", "echo hello"))
        .setResources(new Resources().setMemory("64Mi")));
    return sandbox;
  }

  static AgentConfig config(java.nio.file.Path stateDir) {
    return new AgentConfig(NODE, NAMESPACE, stateDir, Duration.ofMillis(200), Duration.ofSeconds(2),
        Duration.ofMillis(300), Duration.ofSeconds(1), 2, 0);
  }

  static NodeAdvertisement advertisement() {
    return new NodeAdvertisement(7, "hybrid", true, false, "6.18.0", 8L << 30);
  }
}
