package dev.nucleus.operator;

import static dev.nucleus.operator.testing.FakeAgents.capabilities;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.operator.testing.FakeAgents;
import dev.nucleus.operator.testing.ProxiedControlPlane;
import dev.nucleus.operator.testing.RealControlPlane;
import dev.nucleus.testing.controlplane.ApiServerProxy;
import dev.nucleus.operator.testing.TestSandboxes;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operator started while every connection to its API server is dropped (what its first list met in the CI run
 * that lost EndToEndTest: a pooled connection the server had closed) does not exit: it serves liveness, stays unready
 * while its informers retry, and once the API server answers it syncs, turns ready and places a sandbox.
 */
@QuarkusTest
@TestProfile(ApiServerUnreachableAtStartTest.BehindACutProxy.class)
class ApiServerUnreachableAtStartTest {
  private static final String NS = "sandboxes";
  private static final Duration WAIT = Duration.ofSeconds(90);

  /** The operator's client goes through a proxy that drops every connection until the test opens it. */
  public static class BehindACutProxy implements QuarkusTestProfile {
    /**
     * Started asynchronously as in production (the other tests wait for the start), with a shorter wait for the
     * first sync than production's, only so this test's start phases pass sooner.
     */
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.operator-sdk.async-start", "true", "quarkus.operator-sdk.cache-sync-timeout", "5s");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(ProxiedControlPlane.class, Map.of("open", "false")));
    }
  }

  @TestHTTPResource("/q/health/live")
  URI live;
  @TestHTTPResource("/q/health/ready")
  URI ready;

  @Test
  void anOperatorStartedWithoutItsApiServerRetriesThenReconciles() throws Exception {
    // Up and live, not ready, and still trying: the informers' lists keep reaching the (closed) proxy.
    ApiServerProxy proxy = ProxiedControlPlane.proxy();
    assertThat(status(live)).isEqualTo(200);
    int refusedAtStart = proxy.refused();
    await().atMost(WAIT).until(() -> proxy.refused() >= refusedAtStart + 3);
    assertThat(status(ready)).isEqualTo(503);
    assertThat(status(live)).isEqualTo(200);

    proxy.open();
    await().atMost(WAIT).until(() -> status(ready) == 200);
    try (KubernetesClient client = RealControlPlane.plane().newClient();
        FakeAgents agents = new FakeAgents(client)) {
      agents.reset();
      agents.start("after-outage-node", capabilities(7, true, 0, "{}"));
      client.resource(TestSandboxes.sleeping(NS, "after-outage", 60)).create();
      await().atMost(WAIT).until(() -> {
        var s = client.resources(NucleusSandbox.class).inNamespace(NS).withName("after-outage").get();
        return s.getStatus() != null && "after-outage-node".equals(s.getStatus().getNodeName());
      });
      agents.deleteEverything(NS, List.of(NucleusSandbox.class));
    }
  }

  private static int status(URI uri) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).GET().build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
