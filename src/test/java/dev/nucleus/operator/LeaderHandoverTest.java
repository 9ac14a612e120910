package dev.nucleus.operator;

import static dev.nucleus.operator.testing.FakeAgents.capabilities;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.operator.config.OperatorBeans;
import dev.nucleus.operator.config.OperatorConfig;
import dev.nucleus.operator.config.OperatorInstance;
import dev.nucleus.operator.events.EventRecorder;
import dev.nucleus.operator.metrics.OperatorMetrics;
import dev.nucleus.operator.model.NodeReservations;
import dev.nucleus.operator.sandbox.NucleusSandboxReconciler;
import dev.nucleus.operator.sandbox.SandboxTeardownReconciler;
import dev.nucleus.operator.testing.FakeAgents;
import dev.nucleus.operator.testing.NonExitingLeaderElection;
import dev.nucleus.operator.testing.RealControlPlane;
import dev.nucleus.operator.testing.TestSandboxes;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two replicas on one real API server with leader election on: the Quarkus application under test (replica A) and a
 * second JOSDK Operator running the same sandbox controllers (replica B). Only the Lease holder reconciles; when the
 * leader stops, the standby takes the Lease and places new sandboxes. Who acted is read from the server: the Lease
 * holder, the Events' reportingInstance and the status writer in managedFields (B's client has its own user agent).
 */
@QuarkusTest
@TestProfile(LeaderHandoverTest.LeaderElected.class)
@WithTestResource(RealControlPlane.class)
class LeaderHandoverTest {
  private static final String NS = "handover";
  private static final String A = "replica-a";
  private static final String B = "replica-b";
  /** The API server names a non-apply writer after its user agent up to the first '/'. */
  private static final String B_MANAGER = "nucleus-replica-b";
  private static final Duration WAIT = Duration.ofSeconds(90);

  /** Leader election on under the test profile, replica A named, and no System.exit when A stops leading. */
  public static class LeaderElected implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.operator-sdk.activate-leader-election-for-profiles", "test",
          "nucleus.operator.instance-id", A);
    }

    @Override
    public Set<Class<?>> getEnabledAlternatives() {
      return Set.of(NonExitingLeaderElection.class);
    }
  }

  @Inject
  Operator replicaA;
  @Inject
  OperatorConfig config;

  @Test
  void theStandbyWritesNothingUntilItHoldsTheLeaseThenTakesOver() {
    AtomicInteger writesByB = new AtomicInteger();
    AtomicInteger reconcilesByB = new AtomicInteger();
    try (KubernetesClient client = RealControlPlane.plane().newClient();
        FakeAgents agents = new FakeAgents(client)) {
      agents.reset();
      agents.start("handover-node", capabilities(7, true, 0, "{}"));
      await().atMost(WAIT).until(() -> A.equals(leaseHolder(client)));

      Operator replicaB = startReplicaB(writesByB, reconcilesByB);
      try {
        create(client, "while-a-leads");
        awaitPlaced(client, "while-a-leads");
        await().atMost(WAIT).untilAsserted(() -> assertThat(eventsFor(client, "while-a-leads"))
            .isNotEmpty().allSatisfy(e -> assertThat(e.getReportingInstance()).isEqualTo(A)));
        // B is started and watching, yet stays passive for as long as A holds the Lease.
        await().during(Duration.ofSeconds(2)).atMost(WAIT).until(() -> reconcilesByB.get() == 0
            && writesByB.get() == 0 && A.equals(leaseHolder(client)));
        assertThat(managers(client, "while-a-leads")).doesNotContain(B_MANAGER);

        replicaA.stop();

        await().atMost(WAIT).until(() -> B.equals(leaseHolder(client)));
        create(client, "after-handover");
        awaitPlaced(client, "after-handover");
        assertThat(reconcilesByB.get()).isPositive();
        assertThat(writesByB.get()).isPositive();
        assertThat(statusManagers(client, "after-handover")).contains(B_MANAGER);
        await().atMost(WAIT).untilAsserted(() -> assertThat(eventsFor(client, "after-handover"))
            .isNotEmpty().allSatisfy(e -> assertThat(e.getReportingInstance()).isEqualTo(B)));

        // B, now the leader, releases the finalizers once no agent is left to confirm a teardown.
        agents.deleteEverything(NS, List.of(NucleusSandbox.class));
      } finally {
        replicaB.stop();
      }
    }
  }

  private Operator startReplicaB(AtomicInteger writes, AtomicInteger reconciles) {
    Config base = Config.fromKubeconfig(RealControlPlane.plane().kubeconfigYaml());
    base.setUserAgent(B_MANAGER + "/test");
    KubernetesClient clientB = new KubernetesClientBuilder().withConfig(base)
        .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("count-writes", new Interceptor() {
          @Override
          public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            String path = request.uri().getPath();
            if (!"GET".equals(request.method()) && (path.contains("/nucleus.dev/") || path.contains("/events"))) {
              writes.incrementAndGet();
            }
          }
        }))
        .build();
    Clock clock = Clock.systemUTC();
    OperatorInstance instance = new OperatorInstance(B);
    var events = new EventRecorder(clientB, clock, instance);
    var reservations = new NodeReservations();
    var reconciler = new NucleusSandboxReconciler(config, events, new OperatorMetrics(new SimpleMeterRegistry()),
        reservations, clock);
    // JOSDK's metrics hook sees every reconciliation B starts (a Reconciler subclass here would be picked up by QOSDK).
    Metrics countReconciles = new Metrics() {
      @Override
      public void reconciliationStarted(HasMetadata resource, Map<String, Object> metadata) {
        reconciles.incrementAndGet();
      }
    };
    Operator operator = new Operator(o -> o.withKubernetesClient(clientB).withUseSSAToPatchPrimaryResource(false)
        .withMetrics(countReconciles)
        .withLeaderElectionConfiguration(OperatorBeans.leaderElection(config, instance, false)));
    operator.register(reconciler);
    operator.register(new SandboxTeardownReconciler(config, events, reservations, clock));
    operator.start();
    return operator;
  }

  private String leaseHolder(KubernetesClient client) {
    var lease = client.leases().inNamespace(config.namespace()).withName(config.leaderLeaseName()).get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static void create(KubernetesClient client, String name) {
    client.resource(TestSandboxes.sleeping(NS, name, 60)).create();
  }

  private static void awaitPlaced(KubernetesClient client, String name) {
    await().atMost(WAIT).until(() -> {
      var sandbox = client.resources(NucleusSandbox.class).inNamespace(NS).withName(name).get();
      return sandbox.getStatus() != null && "handover-node".equals(sandbox.getStatus().getNodeName());
    });
  }

  private static List<Event> eventsFor(KubernetesClient client, String name) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }

  private static List<String> managers(KubernetesClient client, String name) {
    return client.resources(NucleusSandbox.class).inNamespace(NS).withName(name).get().getMetadata()
        .getManagedFields().stream().map(ManagedFieldsEntry::getManager).toList();
  }

  private static List<String> statusManagers(KubernetesClient client, String name) {
    return client.resources(NucleusSandbox.class).inNamespace(NS).withName(name).get().getMetadata()
        .getManagedFields().stream().filter(f -> "status".equals(f.getSubresource()))
        .map(ManagedFieldsEntry::getManager).toList();
  }
}
