package dev.nucleus.operator.checkpoint;

import static dev.nucleus.operator.testing.FakeAgents.capabilities;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.ConditionTypes;
import dev.nucleus.api.v1alpha1.LocalObjectReference;
import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusCheckpointSpec;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.operator.model.Conditions;
import dev.nucleus.operator.testing.FakeAgents;
import dev.nucleus.operator.testing.RealControlPlane;
import dev.nucleus.operator.testing.TestSandboxes;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The checkpoint controller with fake agents: admission, the agent's phases, retries and terminal failure, TTL. */
@QuarkusTest
@WithTestResource(RealControlPlane.class)
class NucleusCheckpointReconcilerTest {
  private static final String NS = "checkpoints";
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
    agents.deleteEverything(NS, List.of(NucleusCheckpoint.class, NucleusSandbox.class));
  }

  /** A sandbox the fake agent on {@code node} reports Running. */
  private void runningSandbox(String name, String node, boolean criu) {
    agents.start(node, capabilities(7, criu, 0, "{}"));
    var created = client.resource(TestSandboxes.sleeping(NS, name, 600)).create();
    await().atMost(WAIT).until(() -> {
      var s = client.resources(NucleusSandbox.class).inNamespace(NS).withName(name).get();
      return s.getStatus() != null && node.equals(s.getStatus().getNodeName());
    });
    agents.reportStatus(created, "{\"phase\":\"Running\",\"startedAt\":\"" + Instant.now() + "\",\"pid\":99}");
  }

  private NucleusCheckpoint create(String name, String sandbox, int backoffLimit, Long ttl) {
    var checkpoint = new NucleusCheckpoint();
    checkpoint.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    checkpoint.setSpec(new NucleusCheckpointSpec().setSandboxRef(new LocalObjectReference().setName(sandbox))
        .setBackoffLimit(backoffLimit).setTtlSecondsAfterCompletion(ttl));
    return client.resource(checkpoint).create();
  }

  private NucleusCheckpoint get(String name) {
    return client.resources(NucleusCheckpoint.class).inNamespace(NS).withName(name).get();
  }

  private void awaitPhase(String name, CheckpointPhase phase, String reason) {
    await().atMost(WAIT).untilAsserted(() -> {
      var ck = get(name);
      assertThat(ck.getStatus()).isNotNull();
      assertThat(ck.getStatus().getPhase()).isEqualTo(phase);
      assertThat(ck.getStatus().getReason()).isEqualTo(reason);
      assertThat(ck.getMetadata().getLabels()).containsEntry(NucleusNames.PHASE_LABEL, phase.name());
    });
  }

  private void attemptFails(NucleusCheckpoint ck, int attempt) {
    agents.reportStatus(ck, "{\"phase\":\"Running\",\"attempts\":" + attempt + ",\"startedAt\":\"" + Instant.now()
        + "\"}");
    agents.reportStatus(ck, "{\"phase\":\"Failed\",\"reason\":\"CheckpointFailed\",\"message\":\"criu dump: "
        + "attempt " + attempt + " failed\",\"completedAt\":\"" + Instant.now() + "\"}");
  }

  @Test
  void aCheckpointGoesToTheSandboxesNodeAndCompletes() {
    runningSandbox("app", "ck-node", true);
    var ck = create("snap", "app", 3, null);

    awaitPhase("snap", CheckpointPhase.Pending, Reasons.CHECKPOINT_PENDING);
    assertThat(get("snap").getStatus().getNodeName()).isEqualTo("ck-node");
    assertThat(get("snap").getMetadata().getLabels()).containsEntry(NucleusNames.NODE_LABEL, "ck-node");

    agents.reportStatus(ck, "{\"phase\":\"Completed\",\"reason\":\"Completed\",\"attempts\":1,\"location\":"
        + "\"/var/lib/nucleus/checkpoints/snap\",\"sizeBytes\":4096,\"durationMillis\":250,\"completedAt\":\""
        + Instant.now() + "\"}");

    awaitPhase("snap", CheckpointPhase.Completed, Reasons.CHECKPOINT_COMPLETED);
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        Conditions.find(get("snap").getStatus().getConditions(), ConditionTypes.READY).map(c -> c.getStatus()))
        .contains("True"));
  }

  @Test
  void failedAttemptsAreRetriedWithBackoffThenFailForGood() {
    runningSandbox("flaky", "ck-node", true);
    var ck = create("retry", "flaky", 1, null);
    awaitPhase("retry", CheckpointPhase.Pending, Reasons.CHECKPOINT_PENDING);

    attemptFails(ck, 1);
    await().atMost(WAIT).untilAsserted(() -> {
      var status = get("retry").getStatus();
      assertThat(status.getPhase()).isEqualTo(CheckpointPhase.Pending);
      assertThat(status.getMessage()).isEqualTo("retry 1 of 1 after: criu dump: attempt 1 failed");
    });

    attemptFails(ck, 2);
    awaitPhase("retry", CheckpointPhase.Failed, Reasons.BACKOFF_LIMIT_EXCEEDED);
    await().atMost(WAIT).untilAsserted(() -> assertThat(
        Conditions.find(get("retry").getStatus().getConditions(), ConditionTypes.FAILED).map(c -> c.getReason()))
        .contains(Reasons.BACKOFF_LIMIT_EXCEEDED));
    // Terminal: nothing writes the object any more.
    String version = get("retry").getMetadata().getResourceVersion();
    await().during(Duration.ofSeconds(3)).atMost(WAIT).until(() ->
        version.equals(get("retry").getMetadata().getResourceVersion()));
  }

  @Test
  void aNodeWithoutCriuRefusesTheCheckpoint() {
    runningSandbox("plain", "no-criu", false);
    create("refused", "plain", 3, null);
    awaitPhase("refused", CheckpointPhase.Failed, Reasons.CRIU_UNAVAILABLE);
  }

  @Test
  void anExpiredCheckpointIsDeletedOnceTheAgentRemovedItsImage() {
    runningSandbox("short", "ck-node", true);
    var ck = create("expiring", "short", 0, 1L);
    awaitPhase("expiring", CheckpointPhase.Pending, Reasons.CHECKPOINT_PENDING);

    agents.reportStatus(ck, "{\"phase\":\"Completed\",\"reason\":\"Completed\",\"attempts\":1,\"completedAt\":\""
        + Instant.now() + "\"}");

    await().atMost(WAIT).until(() -> get("expiring").getMetadata().getDeletionTimestamp() != null);
    agents.confirmTeardown(get("expiring"), "ck-node");
    await().atMost(WAIT).until(() -> get("expiring") == null);
  }
}
