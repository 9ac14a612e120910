package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import io.fabric8.kubernetes.api.model.Event;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The agent's checkpoint loop against a real API server (etcd + kube-apiserver), with the recording fake engines
 * and the operator's writes done by hand: Pending → Running → Completed with the image facts, the sandbox
 * Succeeded/Checkpointed, a failed attempt and the operator's retry, deletion of the image with the teardown
 * handshake, and an agent that dies mid-dump.
 */
class CheckpointWatchTest extends AgentClusterFixture {
  static final Duration WAIT = Duration.ofSeconds(60);

  CheckpointWatchTest() {
    super("ckpt-" + UUID.randomUUID().toString().substring(0, 8), true);
  }

  NucleusSandbox runningSandbox(String name) {
    NucleusSandbox created = client.resource(MockCluster.sandbox(ns, name, null)).create();
    ControlPlaneCluster.placeSandbox(client, ns, name);
    await().atMost(WAIT).until(() -> status(name).getPhase() == SandboxPhase.Running);
    return created;
  }

  NucleusCheckpoint checkpoint(String name) {
    return client.resources(NucleusCheckpoint.class).inNamespace(ns).withName(name).get();
  }

  NucleusCheckpointStatus checkpointStatus(String name) {
    return ControlPlaneCluster.checkpointStatus(client, ns, name);
  }

  List<String> eventReasons(String involved) {
    return client.v1().events().inNamespace(ns).list().getItems().stream()
        .filter(e -> involved.equals(e.getInvolvedObject().getName())).map(Event::getReason).toList();
  }

  @Test
  void dumpCompletesWithTheImageFactsAndTheSandboxIsCheckpointed() throws Exception {
    startAgent();
    NucleusSandbox sandbox = runningSandbox("counter");
    NucleusCheckpoint created = ControlPlaneCluster.admittedCheckpoint(client, ns, "counter-1", "counter", false);

    await().atMost(WAIT).until(() -> checkpointStatus("counter-1").getPhase() == CheckpointPhase.Completed);
    NucleusCheckpointStatus done = checkpointStatus("counter-1");
    Path location = state.resolve("checkpoints").resolve(ns).resolve("counter-1-" + created.getMetadata().getUid());
    assertThat(done.getLocation()).isEqualTo(location.toString());
    assertThat(Files.isDirectory(location.resolve("images"))).isTrue();
    assertThat(done.getDigest()).isEqualTo(FakeCheckpointEngine.DIGEST);
    assertThat(done.getSizeBytes()).isEqualTo(4096L);
    assertThat(done.getDurationMillis()).isEqualTo(1234L);
    assertThat(done.getFrozenMillis()).isEqualTo(12L);
    assertThat(done.getAttempts()).isEqualTo(1);
    assertThat(done.getStartedAt()).isNotBlank();
    assertThat(done.getCompletedAt()).isNotBlank();
    assertThat(done.getReason()).isEqualTo(Reasons.CHECKPOINT_COMPLETED);
    assertThat(done.getMetadata().getContainerName()).isEqualTo("counter");
    assertThat(done.getNodeName()).isEqualTo(MockCluster.NODE); // the operator's field, untouched
    assertThat(done.getObservedGeneration()).isEqualTo(1L);
    assertThat(done.getConditions()).isNull();

    await().atMost(WAIT).until(() -> status("counter").getPhase() == SandboxPhase.Succeeded);
    NucleusSandboxStatus stopped = status("counter");
    assertThat(stopped.getReason()).isEqualTo(Reasons.CHECKPOINTED);
    assertThat(stopped.getExitCode()).isNull(); // CRIU's kill is not the workload's exit
    assertThat(stopped.getMessage()).contains(ns + "/counter-1");
    assertThat(stopped.getConditions()).singleElement().satisfies(c -> assertThat(c.getType()).isEqualTo("Scheduled"));
    Thread.sleep(1000); // several usage periods: the SIGKILL the monitor recorded never turns it into Failed
    assertThat(status("counter").getPhase()).isEqualTo(SandboxPhase.Succeeded);
    assertThat(criu.dumps).containsExactly(sandbox.getMetadata().getUid() + " " + location);
    assertThat(agent.metrics().checkpointCount()).isEqualTo(1);
    assertThat(agent.metrics().render()).contains("nucleus_agent_checkpoint_duration_seconds_count 1");
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(eventReasons("counter-1")).contains(Reasons.CHECKPOINTED);
      assertThat(eventReasons("counter")).contains(Reasons.STARTED, Reasons.CHECKPOINTED);
    });
  }

  @Test
  void aFailedDumpLeavesTheSandboxRunningAndTheOperatorsRetryRunsAttemptTwo() throws Exception {
    startAgent();
    runningSandbox("keeper");
    criu.failNext(Reasons.CHECKPOINT_FAILED, "CriuFailed: checkpoint of keeper failed: criu exited 1\n"
        + "criu: Error (criu/cr-dump.c:1628): Dumping FAILED.");
    ControlPlaneCluster.admittedCheckpoint(client, ns, "keeper-1", "keeper", true);

    await().atMost(WAIT).until(() -> checkpointStatus("keeper-1").getPhase() == CheckpointPhase.Failed);
    NucleusCheckpointStatus failed = checkpointStatus("keeper-1");
    assertThat(failed.getReason()).isEqualTo(Reasons.CHECKPOINT_FAILED);
    assertThat(failed.getMessage()).contains("criu exited 1").contains("criu: Error (criu/cr-dump.c:1628)");
    assertThat(failed.getAttempts()).isEqualTo(1);
    assertThat(failed.getCompletedAt()).isNotBlank();
    assertThat(agent.metrics().errorCount(Reasons.CHECKPOINT_FAILED)).isEqualTo(1);
    await().atMost(WAIT).until(() -> status("keeper").getPhase() == SandboxPhase.Running);
    await().atMost(WAIT).untilAsserted(() -> assertThat(eventReasons("keeper-1")).contains(Reasons.CHECKPOINT_FAILED));

    ControlPlaneCluster.setPending(client, ns, "keeper-1", "retry 1 of 3 after: criu exited 1");
    await().atMost(WAIT).until(() -> checkpointStatus("keeper-1").getPhase() == CheckpointPhase.Completed);
    NucleusCheckpointStatus second = checkpointStatus("keeper-1");
    assertThat(second.getAttempts()).isEqualTo(2);
    assertThat(second.getReason()).isEqualTo(Reasons.CHECKPOINT_COMPLETED);
    assertThat(criu.dumps).hasSize(2);
    Thread.sleep(1000); // leaveRunning: the sandbox keeps running and is not reported stopped
    assertThat(status("keeper").getPhase()).isEqualTo(SandboxPhase.Running);
  }

  @Test
  void deletionRemovesTheImageThenConfirmsTeardown() throws Exception {
    startAgent();
    runningSandbox("gone");
    ControlPlaneCluster.admittedCheckpoint(client, ns, "gone-1", "gone", true);
    await().atMost(WAIT).until(() -> checkpointStatus("gone-1").getPhase() == CheckpointPhase.Completed);
    Path location = Path.of(checkpointStatus("gone-1").getLocation());
    assertThat(Files.isDirectory(location)).isTrue();

    client.resources(NucleusCheckpoint.class).inNamespace(ns).withName("gone-1").delete();
    await().atMost(WAIT).until(() -> NucleusNames.NODE_LABEL != null && MockCluster.NODE.equals(
        checkpoint("gone-1").getMetadata().getAnnotations() == null ? null
            : checkpoint("gone-1").getMetadata().getAnnotations().get(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE)));
    assertThat(Files.exists(location)).isFalse();
    assertThat(Files.list(state.resolve("agent").resolve("checkpoints"))).isEmpty();
    ControlPlaneCluster.releaseFinalizer(client, ns, "gone-1");
    await().atMost(WAIT).until(() -> checkpoint("gone-1") == null);
    assertThat(eventReasons("gone-1")).contains(Reasons.TEARDOWN_COMPLETE);
  }

  @Test
  void aDumpThatFinishedWhileTheAgentDiedIsReportedNotRepeated() throws Exception {
    startAgent();
    runningSandbox("mid");
    criu.hangNextAfterWriting();
    ControlPlaneCluster.admittedCheckpoint(client, ns, "mid-1", "mid", false);
    await().atMost(WAIT).until(() -> checkpointStatus("mid-1").getPhase() == CheckpointPhase.Running);
    await().atMost(WAIT).until(() -> status("mid").getPhase() == SandboxPhase.Checkpointing);
    agent.close(); // dies mid-dump: the journal says RUNNING, the image is complete on disk
    agent = null;

    startAgent();
    await().atMost(WAIT).until(() -> checkpointStatus("mid-1").getPhase() == CheckpointPhase.Completed);
    assertThat(checkpointStatus("mid-1").getAttempts()).isEqualTo(1);
    assertThat(criu.dumps).hasSize(1); // never dumped twice
    await().atMost(WAIT).until(() -> status("mid").getPhase() == SandboxPhase.Succeeded);
    assertThat(status("mid").getReason()).isEqualTo(Reasons.CHECKPOINTED);
  }

  @Test
  void aCheckpointOfAnotherNodeOrOfAMissingSandboxIsNotDumped() throws Exception {
    startAgent();
    NucleusCheckpoint orphan = ControlPlaneCluster.admittedCheckpoint(client, ns, "nobody-1", "nobody", false);
    await().atMost(WAIT).until(() -> checkpointStatus("nobody-1").getPhase() == CheckpointPhase.Failed);
    assertThat(checkpointStatus("nobody-1").getReason()).isEqualTo(Reasons.SANDBOX_NOT_RUNNING);
    assertThat(criu.dumps).isEmpty();
    assertThat(orphan.getMetadata().getUid()).isNotBlank();
  }
}
