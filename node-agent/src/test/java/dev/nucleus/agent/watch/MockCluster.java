package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Resources;
import java.time.Duration;
import java.util.List;

/** Test fixtures of the watch loop's tests: this test node, sandbox objects, agent configs, node capabilities. */
final class MockCluster {
  static final String NAMESPACE = "nucleus-system";
  static final String NODE = "node-a";

  private MockCluster() {}

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
    return new NodeAdvertisement(7, "hybrid", true, false, "6.18.0", 8L << 30, true);
  }
}
