package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.api.v1alpha1.SandboxPhase;
import dev.nucleus.testing.controlplane.ApiServerProxy;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent against a real API server it reaches through a proxy the test cuts: every connection is dropped and new
 * ones are closed at once, as when the API server restarts or the network between them fails. The agent must not give
 * up, must leave its sandboxes running while it is cut off, and must report what happened meanwhile once it is back.
 */
class ApiServerOutageTest extends AgentClusterFixture {
  static final String NS = "outage";
  static final Duration WAIT = Duration.ofSeconds(120); // generous: fabric8's retry backoff grows to 32 s
  KubernetesClient agentClient;
  ApiServerProxy proxy;

  ApiServerOutageTest() {
    super(NS);
  }

  @BeforeEach
  void proxyTheAgentsClient() {
    proxy = ApiServerProxy.closedTo(plane.apiServerUrl());
    Config config = Config.fromKubeconfig(plane.kubeconfigYaml());
    config.setMasterUrl(proxy.url());
    agentClient = new KubernetesClientBuilder().withConfig(config).build();
  }

  @AfterEach
  void closeTheProxy() {
    stopAgent(); // before its client
    agentClient.close();
    proxy.close();
  }

  @Override
  KubernetesClient agentClient() {
    return agentClient;
  }

  String create(String name) {
    return client.resource(MockCluster.sandbox(NS, name, MockCluster.NODE)).create().getMetadata().getUid();
  }

  /**
   * A first list that fails at once (no request-level retry: here RBAC's 403, as for a missing CRD's 404) made the
   * agent exit; a failure fabric8 retries (a dropped connection) made it exit after 60 s.
   */
  @Test
  void anAgentRefusedItsFirstListKeepsTryingUnreadyThenStartsWhatIsAssigned() throws Exception {
    proxy.open();
    String user = "system:serviceaccount:" + NS + ":agent-without-rbac";
    Config config = Config.fromKubeconfig(plane.kubeconfigYaml());
    config.setImpersonateUsername(user); // the admin acting as a user no Role grants anything yet
    String uid = create("assigned-before");
    AgentConfig agentConfig = MockCluster.config(state);
    int port = freePort();
    AgentConfig withPort = new AgentConfig(agentConfig.nodeName(), agentConfig.namespace(), agentConfig.stateDir(),
        agentConfig.leaseRenewInterval(), agentConfig.leaseDuration(), agentConfig.usageRefreshInterval(),
        agentConfig.defaultStopGrace(), agentConfig.workers(), port);
    URI base = URI.create("http://127.0.0.1:" + port);
    try (KubernetesClient refused = new KubernetesClientBuilder().withConfig(config).build()) {
      CompletableFuture<NodeAgent> starting = CompletableFuture.supplyAsync(() -> {
        try {
          return NodeAgent.start(refused, withPort, engine, MockCluster::advertisement, Clock.systemUTC());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      // Refused and retried with backoff: live, not ready (saying why), still starting, nothing started.
      await().atMost(WAIT).failFast("the agent's start gave up", starting::isCompletedExceptionally)
          .ignoreExceptions().until(() -> body(base.resolve("/healthz")).contains("first list"));
      assertThat(get(base.resolve("/healthz"))).isEqualTo(503);
      assertThat(get(base.resolve("/livez"))).isEqualTo(200);
      await().during(Duration.ofSeconds(3)).atMost(WAIT).until(() -> !starting.isDone());
      assertThat(engine.starts(uid)).isZero();

      plane.kubectl("create", "clusterrolebinding", "outage-agent", "--clusterrole=cluster-admin", "--user=" + user)
          .orThrow();
      try {
        agent = starting.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        await().atMost(WAIT).until(() -> status("assigned-before").getPhase() == SandboxPhase.Running);
        assertThat(engine.starts(uid)).isEqualTo(1);
      } finally {
        if (agent != null) {
          agent.close();
          agent = null;
        }
        plane.kubectl("delete", "clusterrolebinding", "outage-agent").orThrow();
      }
    }
  }

  @Test
  void sandboxesRunOnWhileTheApiServerIsGoneAndStatusCatchesUpAfter() throws Exception {
    proxy.open();
    String steady = create("steady");
    String exits = create("exits-meanwhile");
    agent = startAgent();
    await().atMost(WAIT).until(() -> status("steady").getPhase() == SandboxPhase.Running
        && status("exits-meanwhile").getPhase() == SandboxPhase.Running);
    URI base = URI.create("http://127.0.0.1:" + agent.healthPort());

    proxy.cut();
    engine.exit(exits, 0, "done while nobody could hear");
    String during = create("created-meanwhile");
    int refusedAtCut = proxy.refused();
    await().atMost(WAIT).until(() -> proxy.refused() >= refusedAtCut + 6);
    // Cut off: not ready, still alive, and the running sandbox is left alone.
    await().atMost(WAIT).until(() -> get(base.resolve("/healthz")) == 503);
    assertThat(get(base.resolve("/livez"))).isEqualTo(200);
    assertThat(engine.calls).doesNotContain("stop " + steady, "remove " + steady, "start " + during);
    assertThat(engine.hasTrace(steady)).isTrue();

    proxy.open();
    await().atMost(WAIT).until(() -> status("exits-meanwhile").getPhase() == SandboxPhase.Succeeded
        && status("created-meanwhile").getPhase() == SandboxPhase.Running);
    await().atMost(WAIT).until(() -> get(base.resolve("/healthz")) == 200);
    assertThat(status("steady").getPhase()).isEqualTo(SandboxPhase.Running);
    assertThat(status("exits-meanwhile").getExitCode()).isZero();
    assertThat(engine.starts(steady)).isEqualTo(1);
    assertThat(engine.starts(exits)).isEqualTo(1);
    assertThat(engine.calls).doesNotContain("stop " + steady);
  }

  /**
   * A watch the server ends and then refuses to re-open (RBAC revoked meanwhile: 403, not 410) is retried until the
   * agent is allowed again, and what was created meanwhile is started. fabric8's watch manager already retried this
   * before the agent's own handler (a regression guard, it held before): a refused reconnect never reaches the
   * informer as an error.
   */
  @Test
  void aWatchRefusedAfterAReconnectIsRetriedUntilAllowedAgain() throws Exception {
    proxy.open();
    String user = "system:serviceaccount:" + NS + ":agent-losing-rbac";
    Config config = Config.fromKubeconfig(plane.kubeconfigYaml());
    config.setMasterUrl(proxy.url());
    config.setImpersonateUsername(user);
    plane.kubectl("create", "clusterrolebinding", "outage-agent-2", "--clusterrole=cluster-admin", "--user=" + user)
        .orThrow();
    try (KubernetesClient revocable = new KubernetesClientBuilder().withConfig(config).build()) {
      String first = create("before-revocation");
      agent = NodeAgent.start(revocable, MockCluster.config(state), engine, MockCluster::advertisement,
          Clock.systemUTC());
      await().atMost(WAIT).until(() -> status("before-revocation").getPhase() == SandboxPhase.Running);

      plane.kubectl("delete", "clusterrolebinding", "outage-agent-2").orThrow();
      proxy.cut(); // the server ends every watch; the agent's reconnects are now refused
      proxy.open();
      String later = create("while-refused");
      URI base = URI.create("http://127.0.0.1:" + agent.healthPort());
      await().atMost(WAIT).until(() -> get(base.resolve("/healthz")) == 503);
      assertThat(engine.starts(later)).isZero();

      plane.kubectl("create", "clusterrolebinding", "outage-agent-2", "--clusterrole=cluster-admin", "--user=" + user)
          .orThrow();
      await().atMost(WAIT).until(() -> status("while-refused").getPhase() == SandboxPhase.Running);
      await().atMost(WAIT).until(() -> get(base.resolve("/healthz")) == 200);
      assertThat(engine.starts(first)).isEqualTo(1);
      assertThat(engine.starts(later)).isEqualTo(1);
    } finally {
      if (agent != null) {
        agent.close();
        agent = null;
      }
      plane.kubectl("delete", "clusterrolebinding", "outage-agent-2", "--ignore-not-found").orThrow();
    }
  }

  private static String body(URI uri) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static int get(URI uri) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }
}
