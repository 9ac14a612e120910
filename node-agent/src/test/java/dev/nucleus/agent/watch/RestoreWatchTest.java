package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.Landlock;
import dev.nucleus.api.v1alpha1.LocalObjectReference;
import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.RestoreFrom;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import dev.nucleus.api.v1alpha1.Security;
import io.fabric8.kubernetes.api.model.Event;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's restore path against a real API server, with the fake engines: a sandbox with
 * {@code spec.restoreFrom} is restored from the Completed checkpoint's image on this node (never launched), shows
 * Restoring then Running with reason LandlockNotRestored when the spec accepted that, and is refused with a precise
 * reason when the checkpoint is not ready or Landlock's loss was not accepted.
 */
class RestoreWatchTest extends AgentClusterFixture {
  static final Duration WAIT = Duration.ofSeconds(60);

  RestoreWatchTest() {
    super("restore-" + UUID.randomUUID().toString().substring(0, 8), true);
  }

  @BeforeEach
  void startTheAgent() throws Exception {
    startAgent();
  }

  NucleusCheckpoint completedCheckpoint() {
    client.resource(MockCluster.sandbox(ns, "counter", null)).create();
    ControlPlaneCluster.placeSandbox(client, ns, "counter");
    await().atMost(WAIT).until(() -> status("counter").getPhase() == SandboxPhase.Running);
    ControlPlaneCluster.admittedCheckpoint(client, ns, "counter-1", "counter", false);
    await().atMost(WAIT).until(() -> {
      var c = client.resources(NucleusCheckpoint.class).inNamespace(ns).withName("counter-1").get();
      return c.getStatus() != null && c.getStatus().getPhase() == CheckpointPhase.Completed;
    });
    return client.resources(NucleusCheckpoint.class).inNamespace(ns).withName("counter-1").get();
  }

  NucleusSandbox restoring(String name, String checkpoint, boolean acceptLandlockLoss) {
    NucleusSandbox sandbox = new NucleusSandbox();
    sandbox.getMetadata().setNamespace(ns);
    sandbox.getMetadata().setName(name);
    sandbox.setSpec(new NucleusSandboxSpec()
        .setRestoreFrom(new RestoreFrom().setCheckpointRef(new LocalObjectReference().setName(checkpoint)))
        .setSecurity(new Security().setLandlock(new Landlock().setAllowNotRestored(acceptLandlockLoss))));
    NucleusSandbox created = client.resource(sandbox).create();
    ControlPlaneCluster.placeSandbox(client, ns, name);
    return created;
  }

  @Test
  void aRestoreRunsTheCheckpointsImageAndSaysLandlockIsNotEnforced() {
    NucleusCheckpoint checkpoint = completedCheckpoint();
    NucleusSandbox restored = restoring("counter-restored", "counter-1", true);
    await().atMost(WAIT).until(() -> status("counter-restored").getPhase() == SandboxPhase.Running);
    NucleusSandboxStatus running = status("counter-restored");
    assertThat(running.getReason()).isEqualTo(Reasons.LANDLOCK_NOT_RESTORED);
    assertThat(running.getIsolation().getLandlockEnforced()).isFalse();
    assertThat(running.getPid()).isPositive();
    String uid = restored.getMetadata().getUid();
    assertThat(engine.calls).contains("restore " + uid + " " + checkpoint.getStatus().getLocation() + " "
        + checkpoint.getStatus().getDigest());
    assertThat(engine.starts(uid)).isZero();
    assertThat(agent.metrics().restoreCount()).isEqualTo(1);
    assertThat(agent.metrics().launchCount()).isEqualTo(1); // the checkpointed sandbox, launched before
    await().atMost(WAIT).untilAsserted(() -> assertThat(client.v1().events().inNamespace(ns).list().getItems())
        .filteredOn(e -> "counter-restored".equals(e.getInvolvedObject().getName())).extracting(Event::getReason)
        .contains(Reasons.RESTORED));

    client.resources(NucleusSandbox.class).inNamespace(ns).withName("counter-restored").delete();
    await().atMost(WAIT).until(() -> !engine.hasTrace(uid)); // tracked like any sandbox: stopped and removed
  }

  @Test
  void aRestoreWhoseLandlockLossIsNotAcceptedOrWhoseCheckpointIsNotReadyFailsWithThePreciseReason() {
    completedCheckpoint();
    restoring("strict", "counter-1", false);
    restoring("early", "no-such-checkpoint", true);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(status("strict").getPhase()).as("strict: %s", status("strict").getMessage())
          .isEqualTo(SandboxPhase.Failed);
      assertThat(status("early").getPhase()).as("early: %s", status("early").getMessage())
          .isEqualTo(SandboxPhase.Failed);
    });
    assertThat(status("strict").getReason()).isEqualTo(Reasons.LANDLOCK_RESTORE_REFUSED);
    assertThat(status("early").getReason()).isEqualTo(Reasons.CHECKPOINT_NOT_READY);
    assertThat(status("early").getMessage()).contains("no-such-checkpoint").contains("does not exist");
  }
}
