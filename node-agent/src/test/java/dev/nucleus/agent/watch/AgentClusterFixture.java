package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.testing.controlplane.KubeControlPlane;
import dev.nucleus.testing.controlplane.KubeControlPlaneExtension;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the watch tests that run one agent with the recording fake engine against the JVM's real control plane:
 * the committed CRDs installed, an admin client, the test's namespace; after each test the agent is closed and what
 * the test left in the cluster is wiped, so the next test's agent starts from an empty cluster.
 */
@ExtendWith(KubeControlPlaneExtension.class)
abstract class AgentClusterFixture {
  final String ns;
  KubeControlPlane plane;
  KubernetesClient client;
  @TempDir Path state;
  final FakeEngine engine = new FakeEngine();
  /** The fake CRIU of a checkpoint test's agent; null for the agent of a node without CRIU. */
  final FakeCheckpointEngine criu;
  NodeAgent agent;

  AgentClusterFixture(String ns) {
    this(ns, false);
  }

  AgentClusterFixture(String ns, boolean withCriu) {
    this.ns = ns;
    this.criu = withCriu ? new FakeCheckpointEngine(engine) : null;
  }

  // final: a test's own set-up or tear-down of the same name would override these instead of running beside them.
  @BeforeEach
  final void installClusterAndNamespace(KubeControlPlane plane) {
    this.plane = plane;
    client = ControlPlaneCluster.adminClient(plane, ns);
  }

  @AfterEach
  final void stopAgentAndWipeCluster() {
    stopAgent();
    ControlPlaneCluster.wipe(client);
    client.close();
  }

  /** Starts the agent on this test's state directory, through {@link #agentClient()}, with {@link #criu} if any. */
  NodeAgent startAgent() throws Exception {
    agent = criu == null
        ? NodeAgent.start(agentClient(), MockCluster.config(state), engine, MockCluster::advertisement, Clock.systemUTC())
        : NodeAgent.start(agentClient(), MockCluster.config(state), engine, criu, MockCluster::advertisement,
            Clock.systemUTC());
    return agent;
  }

  /** Closes the agent if one runs (its sandboxes, the fake engine's, run on). */
  void stopAgent() {
    if (agent != null) {
      agent.close();
      agent = null;
    }
  }

  /** The client the agent talks through: the admin's unless a test puts something between them. */
  KubernetesClient agentClient() {
    return client;
  }

  NucleusSandbox get(String name) {
    return client.resources(NucleusSandbox.class).inNamespace(ns).withName(name).get();
  }

  NucleusSandboxStatus status(String name) {
    return ControlPlaneCluster.sandboxStatus(client, ns, name);
  }
}
