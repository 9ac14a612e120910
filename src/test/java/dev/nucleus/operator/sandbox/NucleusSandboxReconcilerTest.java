package dev.nucleus.operator.sandbox;

import static dev.nucleus.operator.testing.FakeAgents.capabilities;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nucleus.api.v1alpha1.ConditionTypes;
import dev.nucleus.api.v1alpha1.HostPathVolume;
import dev.nucleus.api.v1alpha1.Landlock;
import dev.nucleus.api.v1alpha1.Lifecycle;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.RestartPolicy;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import dev.nucleus.api.v1alpha1.SandboxRuntime;
import dev.nucleus.api.v1alpha1.Security;
import dev.nucleus.api.v1alpha1.Volume;
import dev.nucleus.operator.model.Conditions;
import dev.nucleus.operator.testing.FakeAgents;
import dev.nucleus.operator.testing.RealControlPlane;
import dev.nucleus.operator.testing.TestSandboxes;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox controller against a real API server, with fake agents that are Leases and status writers. */
@QuarkusTest
@WithTestResource(RealControlPlane.class)
class NucleusSandboxReconcilerTest {
  private static final String NS = "sandboxes";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @Inject
  KubernetesClient client;
  FakeAgents agents;

  @BeforeEach
  void freshCluster() {
    agents = new FakeAgents(client);
    agents.reset();
  }

  @AfterEach
  void cleanUp() {
    agents.deleteEverything(NS, List.of(NucleusSandbox.class));
  }

  private NucleusSandbox create(String name, Consumer<NucleusSandboxSpec> customize) {
    var sandbox = TestSandboxes.sleeping(NS, name, 60);
    customize.accept(sandbox.getSpec());
    return client.resource(sandbox).create();
  }

  private NucleusSandbox get(String name) {
    return client.resources(NucleusSandbox.class).inNamespace(NS).withName(name).get();
  }

  private Condition condition(String name, String type) {
    var sandbox = get(name);
    assertThat(sandbox.getStatus()).as("status of %s", name).isNotNull();
    var condition = Conditions.find(sandbox.getStatus().getConditions(), type);
    assertThat(condition).as("condition %s of %s", type, name).isPresent();
    return condition.get();
  }

  private NucleusSandbox awaitPlacedOn(String name, String node) {
    await().atMost(WAIT).untilAsserted(() -> {
      var sandbox = get(name);
      assertThat(sandbox.getStatus()).isNotNull();
      assertThat(sandbox.getStatus().getNodeName()).isEqualTo(node);
      assertThat(sandbox.getMetadata().getLabels()).containsEntry(NucleusNames.NODE_LABEL, node);
      assertThat(condition(name, ConditionTypes.SCHEDULED).getStatus()).isEqualTo("True");
    });
    return get(name);
  }

  private List<Event> eventsFor(String name) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName())).toList();
  }

  @Test
  void placesAcrossThreeNodesByCapabilitySelectorAndLoad() {
    agents.start("old", capabilities(3, false, 1L << 30, "{\"zone\":\"a\"}"));
    agents.start("big", capabilities(7, true, 3L << 30, "{\"zone\":\"b\"}"));
    agents.start("mid", capabilities(7, false, 2L << 30, "{\"zone\":\"a\"}"));

    // Pinned to the last agent started: once it is placed, the operator has seen all three Leases.
    create("pinned", s -> s.setNodeName("mid"));
    awaitPlacedOn("pinned", "mid");
    create("plain", s -> {});
    create("tcp", s -> s.setSecurity(new Security().setLandlock(new Landlock().setTcpConnect(List.of(443)))));
    create("zoned", s -> s.setNodeSelector(Map.of("zone", "b")));

    var plain = awaitPlacedOn("plain", "old");
    awaitPlacedOn("tcp", "mid");
    awaitPlacedOn("zoned", "big");
    assertThat(plain.getStatus().getPhase()).isEqualTo(SandboxPhase.Scheduled);
    assertThat(plain.getStatus().getObservedGeneration()).isEqualTo(plain.getMetadata().getGeneration());
    assertThat(plain.getMetadata().getFinalizers()).contains(NucleusNames.TEARDOWN_FINALIZER);
  }

  @Test
  void unschedulableUntilACapableAgentAppears() {
    agents.start("old", capabilities(3, false, 0, "{}"));
    create("needs-tcp", s -> s.setSecurity(new Security().setLandlock(new Landlock().setTcpBind(List.of(8080)))));

    await().atMost(WAIT).untilAsserted(() -> {
      var scheduled = condition("needs-tcp", ConditionTypes.SCHEDULED);
      assertThat(scheduled.getReason()).isEqualTo(Reasons.UNSCHEDULABLE);
      assertThat(scheduled.getMessage()).isEqualTo("0/1 node is available: 1 lacks Landlock ABI ≥ 4.");
    });
    assertThat(get("needs-tcp").getStatus().getPhase()).isEqualTo(SandboxPhase.Pending);
    await().atMost(WAIT).untilAsserted(() -> assertThat(eventsFor("needs-tcp"))
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo(Reasons.UNSCHEDULABLE)));

    agents.start("new", capabilities(7, true, 0, "{}"));

    awaitPlacedOn("needs-tcp", "new");
  }

  @Test
  void theApiServerRefusesWhatItsSchemaForbidsAndTheOperatorWhatOnlyItCanCheck() {
    agents.start("any", capabilities(7, true, 0, "{}"));
    assertThatThrownBy(() -> create("gvisor", s -> s.setRuntime(SandboxRuntime.GVisor)))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.runtime: Invalid value: \"GVisor\"");

    create("host-proc", s -> s.setVolumes(List.of(new Volume().setName("proc").setMountPath("/p")
        .setHostPath(new HostPathVolume().setPath("/proc/1/root")))));

    String expected = "spec.volumes[0].hostPath.path: must not be at or below /proc: host kernel interfaces are refused";
    await().atMost(WAIT).untilAsserted(() -> {
      var ready = condition("host-proc", ConditionTypes.READY);
      assertThat(ready.getReason()).isEqualTo(Reasons.INVALID_SPEC);
      assertThat(ready.getMessage()).isEqualTo(expected);
    });
    assertThat(get("host-proc").getStatus().getNodeName()).isNull();
    await().atMost(WAIT).untilAsserted(() -> assertThat(eventsFor("host-proc"))
        .anySatisfy(e -> assertThat(e.getMessage()).contains("spec.volumes[0].hostPath.path")));
  }

  @Test
  void followsTheAgentAndLosesTheSandboxWithItsNode() {
    agents.start("doomed", capabilities(7, true, 0, "{}"));
    var never = create("never", s -> {});
    awaitPlacedOn("never", "doomed");
    agents.reportStatus(never, "{\"phase\":\"Running\",\"startedAt\":\"" + Instant.now() + "\",\"pid\":42,"
        + "\"isolation\":{\"runtime\":\"Native\",\"landlockAbi\":7}}");
    await().atMost(WAIT).untilAsserted(() -> assertThat(condition("never", ConditionTypes.READY).getStatus())
        .isEqualTo("True"));
    assertThat(get("never").getStatus().getPhase()).isEqualTo(SandboxPhase.Running);

    agents.stop("doomed");

    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(get("never").getStatus().getPhase()).isEqualTo(SandboxPhase.Lost);
      assertThat(condition("never", ConditionTypes.READY).getReason()).isEqualTo(Reasons.NODE_LOST);
    });
    assertThat(get("never").getStatus().getPid()).isEqualTo(42L);
    await().atMost(WAIT).untilAsserted(() -> assertThat(eventsFor("never"))
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo(Reasons.NODE_LOST)));
  }

  @Test
  void onFailureIsPlacedAgainWhenItsNodeIsLost() {
    agents.start("first", capabilities(7, true, 0, "{}"));
    var sandbox = create("phoenix", s -> s.setLifecycle(new Lifecycle().setRestartPolicy(RestartPolicy.OnFailure)));
    awaitPlacedOn("phoenix", "first");
    agents.reportStatus(sandbox, "{\"phase\":\"Running\",\"startedAt\":\"" + Instant.now() + "\",\"pid\":7}");
    agents.start("second", capabilities(7, true, 5L << 30, "{}"));

    agents.stop("first");

    var moved = awaitPlacedOn("phoenix", "second");
    assertThat(moved.getStatus().getPid()).isNull();
    assertThat(moved.getStatus().getPhase()).isEqualTo(SandboxPhase.Scheduled);
  }

  @Test
  void placementWritesTheFinalizerWithTheLabelInOnePatchThenTheStatus() {
    agents.start("worker", capabilities(7, true, 0, "{}"));
    List<NucleusSandbox> versions = new CopyOnWriteArrayList<>();
    try (var watch = client.resources(NucleusSandbox.class).inNamespace(NS).withName("watched")
        .watch(new Watcher<>() {
          @Override
          public void eventReceived(Action action, NucleusSandbox sandbox) {
            versions.add(sandbox);
          }

          @Override
          public void onClose(WatcherException cause) {}
        })) {
      create("watched", s -> {});
      awaitPlacedOn("watched", "worker");
      await().atMost(WAIT).until(() -> versions.stream().anyMatch(v -> nodeOf(v) != null));
    }

    // Every stored version is one write: create, metadata (finalizer + label together), status (node, conditions).
    assertThat(labelsOf(versions.get(0))).doesNotContainKey(NucleusNames.NODE_LABEL);
    assertThat(versions.get(1).getMetadata().getLabels()).containsEntry(NucleusNames.NODE_LABEL, "worker");
    assertThat(versions.get(1).getMetadata().getFinalizers()).containsExactly(NucleusNames.TEARDOWN_FINALIZER);
    assertThat(nodeOf(versions.get(1))).isNull();
    assertThat(nodeOf(versions.get(2))).isEqualTo("worker");
    assertThat(versions).filteredOn(v -> labelsOf(v).containsKey(NucleusNames.NODE_LABEL))
        .allSatisfy(v -> assertThat(v.getMetadata().getFinalizers()).contains(NucleusNames.TEARDOWN_FINALIZER));
  }

  @Test
  void aSandboxNeverPlacedHoldsNoFinalizerAndIsGoneAtOnce() {
    agents.start("old", capabilities(3, false, 0, "{}"));
    create("nowhere", s -> s.setSecurity(new Security().setLandlock(new Landlock().setTcpBind(List.of(8080)))));
    await().atMost(WAIT).untilAsserted(() -> assertThat(condition("nowhere", ConditionTypes.SCHEDULED).getReason())
        .isEqualTo(Reasons.UNSCHEDULABLE));
    assertThat(get("nowhere").getMetadata().getFinalizers()).isNullOrEmpty();

    client.resource(get("nowhere")).delete();

    await().atMost(WAIT).until(() -> get("nowhere") == null);
  }

  @Test
  void aSandboxBeingDeletedIsNeverPlaced() {
    var held = new NucleusSandbox();
    held.setMetadata(new ObjectMetaBuilder().withName("held").withNamespace(NS)
        .withFinalizers("test.nucleus.dev/hold").build());
    held.setSpec(new NucleusSandboxSpec().setCommand(List.of("/bin/true")));
    client.resource(held).create();
    client.resource(held).delete();
    await().atMost(WAIT).until(() -> get("held").getMetadata().getDeletionTimestamp() != null);

    agents.start("worker", capabilities(7, true, 0, "{}"));
    create("after", s -> {});
    awaitPlacedOn("after", "worker"); // the operator has seen the agent

    await().during(Duration.ofSeconds(1)).atMost(WAIT).untilAsserted(() -> {
      var deleting = get("held");
      assertThat(labelsOf(deleting)).doesNotContainKey(NucleusNames.NODE_LABEL);
      assertThat(deleting.getMetadata().getFinalizers()).containsExactly("test.nucleus.dev/hold");
      assertThat(nodeOf(deleting)).isNull();
    });
    var deleting = get("held");
    client.resource(deleting).edit(sb -> {
      sb.getMetadata().setFinalizers(List.of());
      return sb;
    });
    await().atMost(WAIT).until(() -> get("held") == null);
  }

  @Test
  void deletionWaitsForTheAgentsTeardown() {
    agents.start("worker", capabilities(7, true, 0, "{}"));
    create("victim", s -> {});
    var placed = awaitPlacedOn("victim", "worker");

    client.resource(placed).delete();

    await().atMost(WAIT).untilAsserted(() -> {
      var terminating = get("victim");
      assertThat(terminating.getMetadata().getDeletionTimestamp()).isNotNull();
      assertThat(terminating.getStatus().getPhase()).isEqualTo(SandboxPhase.Terminating);
    });
    agents.confirmTeardown(get("victim"), "someone-else");
    await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> get("victim") != null);

    agents.confirmTeardown(get("victim"), "worker");

    await().atMost(WAIT).until(() -> get("victim") == null);
  }

  @Test
  void aNameReusedAfterDeletionGetsTheSameHandshake() {
    agents.start("worker", capabilities(7, true, 0, "{}"));
    for (int round = 0; round < 3; round++) {
      var sandbox = create("again", s -> {});
      var placed = awaitPlacedOn("again", "worker");
      if (round > 0) { // the second incarnation finished first, the third is confirmed at once
        agents.reportStatus(sandbox, "{\"phase\":\"Succeeded\",\"startedAt\":\"" + Instant.now()
            + "\",\"finishedAt\":\"" + Instant.now() + "\",\"reason\":\"Checkpointed\"}");
        await().atMost(WAIT).until(() -> get("again").getStatus().getPhase() == SandboxPhase.Succeeded);
      }
      client.resource(placed).delete();
      if (round < 2) {
        // Each incarnation waits for its own confirmation (an agent confirms after the object is marked deleted).
        await().atMost(WAIT).untilAsserted(() -> assertThat(get("again").getStatus().getPhase())
            .isEqualTo(SandboxPhase.Terminating));
      }
      agents.confirmTeardown(get("again"), "worker");
      await().atMost(WAIT).until(() -> get("again") == null);
    }
  }

  @Test
  void aDeletedSandboxWhoseNodeIsLostIsReleasedWithoutConfirmation() {
    agents.start("fading", capabilities(7, true, 0, "{}"));
    create("orphan", s -> {});
    var placed = awaitPlacedOn("orphan", "fading");
    client.resource(placed).delete();
    await().atMost(WAIT).untilAsserted(() -> assertThat(get("orphan").getStatus().getPhase())
        .isEqualTo(SandboxPhase.Terminating));
    // The agent still renews: without its confirmation the finalizer holds.
    await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> get("orphan") != null);

    agents.stop("fading");

    // Lease of 4 s plus the tests' 3 s grace: nobody is left to confirm, so the finalizer goes.
    await().atMost(WAIT).until(() -> get("orphan") == null);
    await().atMost(WAIT).untilAsserted(() -> assertThat(eventsFor("orphan"))
        .anySatisfy(e -> assertThat(e.getReason()).isEqualTo(Reasons.FINALIZED)));
  }

  @Test
  void aFinishedSandboxIsDeletedAfterItsTtl() {
    agents.start("worker", capabilities(7, true, 0, "{}"));
    var sandbox = create("brief", s -> s.setLifecycle(new Lifecycle().setTtlSecondsAfterFinished(1L)));
    awaitPlacedOn("brief", "worker");

    agents.reportStatus(sandbox, "{\"phase\":\"Succeeded\",\"startedAt\":\"" + Instant.now() + "\",\"finishedAt\":\""
        + Instant.now() + "\",\"exitCode\":0,\"reason\":\"Succeeded\"}");

    await().atMost(WAIT).untilAsserted(() -> {
      var deleting = get("brief");
      assertThat(deleting).isNotNull();
      assertThat(deleting.getMetadata().getDeletionTimestamp()).isNotNull();
    });
    agents.confirmTeardown(get("brief"), "worker");
    await().atMost(WAIT).until(() -> get("brief") == null);
  }

  private static String nodeOf(NucleusSandbox sandbox) {
    return sandbox.getStatus() == null ? null : sandbox.getStatus().getNodeName();
  }

  private static Map<String, String> labelsOf(NucleusSandbox sandbox) {
    var labels = sandbox.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }
}
