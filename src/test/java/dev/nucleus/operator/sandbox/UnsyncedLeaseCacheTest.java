package dev.nucleus.operator.sandbox;

import static dev.nucleus.operator.testing.FakeAgents.capabilities;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import dev.nucleus.operator.config.OperatorConfig;
import dev.nucleus.operator.config.OperatorInstance;
import dev.nucleus.operator.events.EventRecorder;
import dev.nucleus.operator.metrics.OperatorMetrics;
import dev.nucleus.operator.model.NodeReservations;
import dev.nucleus.operator.testing.FakeAgents;
import dev.nucleus.operator.testing.RealControlPlane;
import dev.nucleus.operator.testing.TestSandboxes;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An operator whose sandbox cache has synced but whose Lease cache has not (its user may list sandboxes, not Leases)
 * must not decide: with an empty Lease cache a Running sandbox's node reads as gone, and Lost is sticky. JOSDK
 * dispatches events once its cache-sync wait is over even so (stop-on-informer-error-during-startup=false), so the
 * pass itself waits ({@code kube.Caches}). A plain JOSDK operator on the real API server, restricted to this test's
 * namespace; the Quarkus application of the other tests, if still up, never marks the sandbox Lost either (its Lease
 * is fresh).
 */
class UnsyncedLeaseCacheTest {
  private static final String NS = "cache-guard";
  private static final String NODE = "guard-node";
  private static final String USER = "nucleus-operator-without-leases";
  private static final Duration WAIT = Duration.ofSeconds(90);

  @Test
  void aPassWaitsForTheLeaseCacheInsteadOfMarkingTheNodeLost() {
    var plane = RealControlPlane.plane();
    AtomicInteger reconciles = new AtomicInteger();
    try (KubernetesClient admin = plane.newClient(); FakeAgents agents = new FakeAgents(admin)) {
      admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
          .createOr(existing -> existing.update());
      agents.start(NODE, capabilities(7, true, 0, "{}"));
      placeRunning(admin);
      plane.kubectl("create", "clusterrole", USER, "--verb=get,list,watch,patch,update",
          "--resource=nucleussandboxes.nucleus.dev,nucleussandboxes.nucleus.dev/status,nucleuscheckpoints.nucleus.dev")
          .orThrow();
      plane.kubectl("create", "clusterrolebinding", USER, "--clusterrole=" + USER, "--user=" + USER).orThrow();
      Operator operator = startOperator(reconciles);
      try {
        // Passes run (every second) while the Lease informer is refused; none marks the node lost.
        await().atMost(WAIT).failFast("a pass marked the node lost", () -> phase(admin) == SandboxPhase.Lost)
            .until(() -> reconciles.get() >= 3);
        assertThat(phase(admin)).isEqualTo(SandboxPhase.Running);

        plane.kubectl("create", "clusterrolebinding", USER + "-leases", "--clusterrole=cluster-admin",
            "--user=" + USER).orThrow();
        int before = reconciles.get();
        await().atMost(WAIT).until(() -> reconciles.get() >= before + 2
            && admin.resources(NucleusSandbox.class).inNamespace(NS).withName("placed").get().getMetadata()
                .getFinalizers().contains(NucleusNames.TEARDOWN_FINALIZER));
        assertThat(phase(admin)).isEqualTo(SandboxPhase.Running);
      } finally {
        operator.stop();
        plane.kubectl("delete", "clusterrolebinding", USER, USER + "-leases", "--ignore-not-found").orThrow();
        plane.kubectl("delete", "clusterrole", USER).orThrow();
        var placed = admin.resources(NucleusSandbox.class).inNamespace(NS).withName("placed");
        placed.patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
        placed.delete();
        agents.stop(NODE);
        admin.leases().inNamespace(FakeAgents.NAMESPACE).withName(NucleusNames.agentLeaseName(NODE)).delete();
      }
    }
  }

  /** A sandbox as the operator placed it and its agent reported it: labelled, on the node, Running. */
  private static void placeRunning(KubernetesClient admin) {
    var sandbox = TestSandboxes.sleeping(NS, "placed", 600);
    sandbox.getMetadata().setLabels(Map.of(NucleusNames.NODE_LABEL, NODE));
    admin.resource(sandbox).create();
    admin.resources(NucleusSandbox.class).inNamespace(NS).withName("placed").subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Running\",\"nodeName\":\"" + NODE
            + "\",\"startedAt\":\"2026-11-30T10:00:00Z\",\"pid\":4242}}");
  }

  private static SandboxPhase phase(KubernetesClient admin) {
    var status = admin.resources(NucleusSandbox.class).inNamespace(NS).withName("placed").get().getStatus();
    return status == null ? null : status.getPhase();
  }

  /** The placing controller on a client acting as {@link #USER}, with the production start settings. */
  private static Operator startOperator(AtomicInteger reconciles) {
    Config config = Config.fromKubeconfig(RealControlPlane.plane().kubeconfigYaml());
    config.setImpersonateUsername(USER);
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    Clock clock = Clock.systemUTC();
    var reconciler = new NucleusSandboxReconciler(TEST_CONFIG, new EventRecorder(client, clock,
        new OperatorInstance("cache-guard")), new OperatorMetrics(new SimpleMeterRegistry()), new NodeReservations(),
        clock);
    Metrics count = new Metrics() {
      @Override
      public void reconciliationStarted(HasMetadata resource, Map<String, Object> metadata) {
        reconciles.incrementAndGet();
      }
    };
    Operator operator = new Operator(o -> o.withKubernetesClient(client).withUseSSAToPatchPrimaryResource(false)
        .withStopOnInformerErrorDuringStartup(false).withCacheSyncTimeout(Duration.ofSeconds(2)).withMetrics(count));
    operator.register(reconciler, c -> c.settingNamespaces(NS));
    operator.start();
    return operator;
  }

  private static final OperatorConfig TEST_CONFIG = new OperatorConfig() {
    @Override
    public String namespace() {
      return FakeAgents.NAMESPACE;
    }

    @Override
    public Duration leaseGracePeriod() {
      return Duration.ofSeconds(3);
    }

    @Override
    public Duration requeueInitial() {
      return Duration.ofMillis(200);
    }

    @Override
    public Duration requeueMax() {
      return Duration.ofSeconds(2);
    }

    @Override
    public Duration checkpointRetryInitial() {
      return Duration.ofMillis(500);
    }

    @Override
    public Duration checkpointRetryMax() {
      return Duration.ofSeconds(2);
    }

    @Override
    public String leaderLeaseName() {
      return "unused";
    }

    @Override
    public Optional<String> instanceId() {
      return Optional.of("cache-guard");
    }
  };
}
