package dev.nucleus.operator;

import static dev.nucleus.operator.testing.FakeAgents.capabilities;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import dev.nucleus.operator.testing.FakeAgents;
import dev.nucleus.operator.testing.ProxiedControlPlane;
import dev.nucleus.operator.testing.RealControlPlane;
import dev.nucleus.operator.testing.TestSandboxes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An outage of the control plane longer than an agent Lease plus the grace period stops the agents' renewals and
 * the operator's view of them alike. When the API server is back, the operator must not take the Leases it could not
 * watch as lost nodes (Lost is sticky and releases finalizers): it gives each agent a Lease plus grace from the
 * moment it could watch again, and a node whose agent then stays silent is still found lost.
 */
@QuarkusTest
@TestProfile(ControlPlaneOutageTest.BehindAProxy.class)
class ControlPlaneOutageTest {
  private static final String NS = "sandboxes";
  private static final Duration WAIT = Duration.ofSeconds(90);
  /** Longer than the tests' Lease (4 s) plus grace (3 s). */
  private static final Duration OUTAGE = Duration.ofSeconds(12);

  /** The operator's client goes through a proxy the test can cut; the test's own client does not. */
  public static class BehindAProxy implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(ProxiedControlPlane.class, Map.of("open", "true")));
    }
  }

  @Test
  void aLeaseThatExpiredWhileTheOperatorCouldNotWatchIsNotANodeLost() throws Exception {
    try (KubernetesClient client = RealControlPlane.plane().newClient();
        FakeAgents agents = new FakeAgents(client)) {
      agents.reset();
      agents.start("steady", capabilities(7, true, 0, "{}"));
      client.resource(TestSandboxes.sleeping(NS, "survivor", 600)).create();
      await().atMost(WAIT).until(() -> "steady".equals(nodeOf(client)));
      agents.reportStatus(get(client), "{\"phase\":\"Running\",\"startedAt\":\"" + Instant.now() + "\",\"pid\":7}");
      await().atMost(WAIT).until(() -> get(client).getStatus().getPhase() == SandboxPhase.Running);

      // The control plane goes away for everyone: the operator's connections drop and the agent cannot renew.
      ProxiedControlPlane.proxy().cut();
      agents.stop("steady");
      Thread.sleep(OUTAGE.toMillis());
      // It comes back; the operator relists and finds a Lease 12 s old; the agent renews a moment later.
      ProxiedControlPlane.proxy().open();
      Thread.sleep(2_000);
      agents.start("steady", capabilities(7, true, 0, "{}"));
      List<String> seen = new ArrayList<>();
      for (long end = System.nanoTime() + Duration.ofSeconds(10).toNanos(); System.nanoTime() < end; ) {
        var status = get(client).getStatus();
        seen.add(status.getPhase() + "/" + status.getConditions().stream()
            .map(c -> c.getType() + "=" + c.getReason()).toList());
        Thread.sleep(500);
      }
      assertThat(seen).as("the sandbox's phase for 10 s after the outage").allMatch(p -> p.startsWith("Running/"));

      // The wall still stands: an agent that stays silent while the operator watches is a node lost.
      agents.stop("steady");
      await().atMost(WAIT).until(() -> get(client).getStatus().getPhase() == SandboxPhase.Lost);
      agents.deleteEverything(NS, List.of(NucleusSandbox.class));
    }
  }

  private static NucleusSandbox get(KubernetesClient client) {
    return client.resources(NucleusSandbox.class).inNamespace(NS).withName("survivor").get();
  }

  private static String nodeOf(KubernetesClient client) {
    NucleusSandbox s = get(client);
    return s == null || s.getStatus() == null ? null : s.getStatus().getNodeName();
  }
}
