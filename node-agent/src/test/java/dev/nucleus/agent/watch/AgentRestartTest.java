package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Deletion handshake, agent restarts and untrusted state, against the real API server (the test JVM's control plane,
 * the committed CRDs). The same fake engine instance is handed to the next agent, as real sandboxes outlive the
 * agent process.
 */
class AgentRestartTest extends AgentClusterFixture {
  static final String NS = "team-b";
  static final Duration WAIT = Duration.ofSeconds(60); // generous: the build machine is shared

  AgentRestartTest() {
    super(NS);
  }

  void restartAgent() throws Exception {
    stopAgent();
    startAgent();
  }

  NucleusSandbox create(String name) {
    NucleusSandbox sandbox = MockCluster.sandbox(NS, name, MockCluster.NODE);
    sandbox.getMetadata().setFinalizers(List.of(NucleusNames.TEARDOWN_FINALIZER)); // as the operator adds it
    return client.resource(sandbox).create();
  }

  Path journalFile(String uid) {
    return MockCluster.config(state).journalDir().resolve(uid + ".json");
  }

  @Test
  void deletionStopsRemovesEverythingThenReportsTeardownComplete() throws Exception {
    String uid = create("doomed").getMetadata().getUid();
    startAgent();
    await().atMost(WAIT).until(() -> status("doomed").getPhase() == SandboxPhase.Running);
    assertThat(journalFile(uid)).exists();

    client.resources(NucleusSandbox.class).inNamespace(NS).withName("doomed").delete();
    await().atMost(WAIT).until(() -> MockCluster.NODE.equals(
        get("doomed").getMetadata().getAnnotations().get(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE)));
    assertThat(engine.calls).containsSubsequence("start " + uid, "stop " + uid, "remove " + uid);
    assertThat(engine.hasTrace(uid)).isFalse();
    assertThat(journalFile(uid)).doesNotExist();
    assertThat(get("doomed").getMetadata().getFinalizers()).containsExactly(NucleusNames.TEARDOWN_FINALIZER);

    // The operator releases its finalizer; the object goes and nothing is started again.
    client.resources(NucleusSandbox.class).inNamespace(NS).withName("doomed")
        .edit(s -> { s.getMetadata().setFinalizers(List.of()); return s; });
    await().atMost(WAIT).until(() -> get("doomed") == null);
    assertThat(engine.starts(uid)).isEqualTo(1);
  }

  @Test
  void restartedAgentAdoptsRunningSandboxAndReportsOneThatExitedMeanwhile() throws Exception {
    String runsOn = create("runs-on").getMetadata().getUid();
    String exitsMeanwhile = create("exits-meanwhile").getMetadata().getUid();
    startAgent();
    await().atMost(WAIT).until(() -> status("runs-on").getPhase() == SandboxPhase.Running
        && status("exits-meanwhile").getPhase() == SandboxPhase.Running);
    long pid = status("runs-on").getPid();

    agent.close(); // the agent dies; its sandboxes do not
    agent = null;
    engine.exit(exitsMeanwhile, 3, "boom\n");
    startAgent();

    await().atMost(WAIT).until(() -> status("exits-meanwhile").getPhase() == SandboxPhase.Failed);
    NucleusSandboxStatus exited = status("exits-meanwhile");
    assertThat(exited.getExitCode()).isEqualTo(3);
    assertThat(exited.getReason()).isEqualTo(Reasons.FAILED);
    assertThat(exited.getLogTail()).isEqualTo("boom\n");

    engine.exit(runsOn, 0, "done\n");
    await().atMost(WAIT).until(() -> status("runs-on").getPhase() == SandboxPhase.Succeeded);
    assertThat(status("runs-on").getPid()).isEqualTo(pid);
    assertThat(status("runs-on").getExitCode()).isZero();
    assertThat(engine.starts(runsOn)).isEqualTo(1);
    assertThat(engine.starts(exitsMeanwhile)).isEqualTo(1);
  }

  @Test
  void launchInterruptedByTheAgentsDeathIsRemovedAndFailedNeverStarted() throws Exception {
    String accepted = create("accepted").getMetadata().getUid();
    String unjournaled = create("unjournaled").getMetadata().getUid();
    // What an agent that died mid-launch leaves: the journal accepted the sandbox and the launch created its
    // directory, but no launch recorded it. For the second, the journal entry is lost as well.
    AssignmentJournal.open(MockCluster.config(state).journalDir()).write(new Assignment(
        new SandboxKey(NS, "accepted", accepted), Assignment.Stage.ACCEPTED, null, "2026-11-30T02:00:00Z"));
    engine.leaveIncomplete(accepted);
    engine.leaveIncomplete(unjournaled);
    startAgent();

    for (String name : List.of("accepted", "unjournaled")) {
      await().atMost(WAIT).until(() -> status(name).getPhase() == SandboxPhase.Failed);
      assertThat(status(name).getReason()).isEqualTo(AgentReasons.LAUNCH_INTERRUPTED);
      assertThat(status(name).getMessage()).contains("removed the fake's leftovers").contains("not started again");
      assertThat(status(name).getPid()).isNull();
    }
    for (String uid : List.of(accepted, unjournaled)) {
      assertThat(engine.calls).contains("removeIncomplete " + uid);
      assertThat(engine.starts(uid)).isZero();
      assertThat(engine.hasTrace(uid)).isFalse();
      assertThat(Files.readString(journalFile(uid))).contains("FAILED");
    }
    assertThat(agent.metrics().errorCount(AgentReasons.LAUNCH_INTERRUPTED)).isEqualTo(2);

    restartAgent(); // the next agent sees the FAILED journal: nothing more happens
    await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> engine.starts(accepted) == 0);
    assertThat(engine.calls.stream().filter(c -> c.startsWith("removeIncomplete"))).hasSize(2);
  }

  @Test
  void sandboxDeletedWhileTheAgentWasDownIsTornDownOnRestart() throws Exception {
    NucleusSandbox created = MockCluster.sandbox(NS, "orphan", MockCluster.NODE); // no finalizer: it just goes
    String uid = client.resource(created).create().getMetadata().getUid();
    startAgent();
    await().atMost(WAIT).until(() -> status("orphan").getPhase() == SandboxPhase.Running);
    agent.close();
    agent = null;
    client.resources(NucleusSandbox.class).inNamespace(NS).withName("orphan").delete();
    await().atMost(WAIT).until(() -> get("orphan") == null);

    startAgent();
    await().atMost(WAIT).until(() -> !engine.hasTrace(uid));
    assertThat(engine.calls).containsSubsequence("stop " + uid, "remove " + uid);
    await().atMost(WAIT).until(() -> !Files.exists(journalFile(uid)));
  }

  @Test
  void lostJournalNeverCausesASecondStartAndOrphansAreTornDown() throws Exception {
    String kept = create("kept").getMetadata().getUid();
    String dropped = client.resource(MockCluster.sandbox(NS, "dropped", MockCluster.NODE)).create()
        .getMetadata().getUid();
    startAgent();
    await().atMost(WAIT).until(() -> status("kept").getPhase() == SandboxPhase.Running
        && status("dropped").getPhase() == SandboxPhase.Running);
    long pid = status("kept").getPid();
    agent.close();
    agent = null;
    Files.delete(journalFile(kept)); // the agent's memory is gone, the sandboxes are not
    Files.delete(journalFile(dropped));
    client.resources(NucleusSandbox.class).inNamespace(NS).withName("dropped").delete();
    await().atMost(WAIT).until(() -> get("dropped") == null);

    startAgent();
    await().atMost(WAIT).until(() -> !engine.hasTrace(dropped));
    await().atMost(WAIT).until(() -> Files.exists(journalFile(kept))); // re-adopted and recorded again
    engine.exit(kept, 0, "");
    await().atMost(WAIT).until(() -> status("kept").getPhase() == SandboxPhase.Succeeded);
    assertThat(status("kept").getPid()).isEqualTo(pid);
    assertThat(engine.starts(kept)).isEqualTo(1);
    assertThat(engine.starts(dropped)).isEqualTo(1);
  }

  @Test
  void symlinkedStateFileIsRefusedAndReportedNeverFollowed() throws Exception {
    NucleusSandbox created = client.resource(MockCluster.sandbox(NS, "linked", MockCluster.NODE)).create();
    String uid = created.getMetadata().getUid();
    // A planted symlink that would make the agent believe (and later overwrite) some other file.
    Path target = state.resolve("bait.json");
    Files.writeString(target, "{\"version\":1,\"namespace\":\"" + NS + "\",\"name\":\"linked\",\"uid\":\"" + uid
        + "\",\"stage\":\"STARTED\",\"sandboxId\":\"x\",\"acceptedAt\":\"2026-11-29T20:00:00Z\"}");
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-------"));
    Files.createDirectories(journalFile(uid).getParent());
    Files.createSymbolicLink(journalFile(uid), target);
    String bait = Files.readString(target);

    startAgent();
    await().atMost(WAIT).until(() -> status("linked").getPhase() == SandboxPhase.Failed);
    assertThat(status("linked").getReason()).isEqualTo(AgentReasons.STATE_REFUSED);
    assertThat(status("linked").getMessage()).contains("symlink").doesNotContain("Exception").doesNotContain("\n");
    assertThat(engine.starts(uid)).isZero();
    assertThat(Files.readString(target)).isEqualTo(bait);
    assertThat(agent.metrics().errorCount(AgentReasons.STATE_REFUSED)).isEqualTo(1);
  }

  @Test
  void corruptedStateFileIsRefusedAndDeletionStillCleansUp() throws Exception {
    String uid = create("garbled").getMetadata().getUid();
    Files.createDirectories(journalFile(uid).getParent());
    Files.writeString(journalFile(uid), "{\"version\":1,\"namespace\":\"" + NS + "\",\"na");
    Files.setPosixFilePermissions(journalFile(uid), PosixFilePermissions.fromString("rw-------"));

    startAgent();
    await().atMost(WAIT).until(() -> status("garbled").getPhase() == SandboxPhase.Failed);
    assertThat(status("garbled").getReason()).isEqualTo(AgentReasons.STATE_REFUSED);
    assertThat(status("garbled").getMessage()).contains("not valid JSON");
    assertThat(engine.starts(uid)).isZero();

    client.resources(NucleusSandbox.class).inNamespace(NS).withName("garbled").delete();
    await().atMost(WAIT).until(() -> MockCluster.NODE.equals(
        get("garbled").getMetadata().getAnnotations().get(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE)));
    assertThat(journalFile(uid)).doesNotExist();
  }

  @Test
  void healthAndMetricsAreServed() throws Exception {
    create("counted");
    startAgent();
    await().atMost(WAIT).until(() -> status("counted").getPhase() == SandboxPhase.Running);
    HttpClient http = HttpClient.newHttpClient();
    URI base = URI.create("http://127.0.0.1:" + agent.healthPort());
    await().atMost(WAIT).untilAsserted(() -> {
      HttpResponse<String> health = http.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(200);
      HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
      assertThat(metrics.body())
          .contains("nucleus_agent_sandboxes{phase=\"Running\"} 1")
          .contains("nucleus_agent_launch_duration_seconds_count 1")
          .contains("nucleus_agent_launch_duration_seconds_bucket{le=\"+Inf\"} 1")
          .containsPattern("nucleus_agent_lease_renewals_total [1-9]")
          .containsPattern("process_resident_memory_bytes [1-9][0-9]+");
    });
    plane.pauseApiServer(); // the API server stops answering: the Lease goes stale and health says so
    try {
      await().atMost(WAIT).untilAsserted(() -> {
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.body()).contains("Lease nucleus-agent-" + MockCluster.NODE);
      });
    } finally {
      plane.resumeApiServer();
    }
    await().atMost(WAIT).untilAsserted(() -> assertThat(http.send(HttpRequest.newBuilder(base.resolve("/healthz"))
        .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200)); // and recovers with it
  }

}
