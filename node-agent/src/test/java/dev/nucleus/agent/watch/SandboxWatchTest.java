package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The agent's watch loop against the real API server (etcd + kube-apiserver, the committed CRDs), with the recording
 * fake engine; the operator's writes are merge patches done by hand.
 */
class SandboxWatchTest extends AgentClusterFixture {
  static final String NS = "team-a";

  SandboxWatchTest() {
    super(NS);
  }

  /** What the operator would have written: placement and a Scheduled condition. */
  void operatorStatus(String name) {
    ControlPlaneCluster.placeSandbox(client, NS, name);
  }

  @Test
  void assignedSandboxGoesRunningSucceededWithoutTouchingOperatorFields() throws Exception {
    NucleusSandbox created = client.resource(MockCluster.sandbox(NS, "hello", MockCluster.NODE)).create();
    operatorStatus("hello");
    String uid = created.getMetadata().getUid();
    List<SandboxPhase> phases = new CopyOnWriteArrayList<>();
    PhaseRecorder recorder = new PhaseRecorder(phases);
    try (Watch ignored = client.resources(NucleusSandbox.class).inNamespace(NS).withName("hello").watch(recorder)) {
      startAgent();
      await().atMost(Duration.ofSeconds(60)).until(() -> status("hello").getPhase() == SandboxPhase.Running);
      NucleusSandboxStatus running = status("hello");
      SandboxFacts facts = engine.facts(uid).orElseThrow();
      assertThat(running.getPid()).isEqualTo(facts.pid());
      assertThat(running.getSandboxId()).isEqualTo(facts.sandboxId());
      assertThat(running.getStartedAt()).isNotBlank();
      assertThat(running.getIsolation().getNamespaces()).contains("pid", "net");
      assertThat(running.getIsolation().getLandlockAbi()).isEqualTo(7);
      long firstMemory = running.getUsage().getMemoryCurrentBytes();
      await().atMost(Duration.ofSeconds(60))
          .until(() -> status("hello").getUsage().getMemoryCurrentBytes() > firstMemory); // refreshed while running

      engine.exit(uid, 0, "hello\n");
      await().atMost(Duration.ofSeconds(60)).until(() -> status("hello").getPhase() == SandboxPhase.Succeeded);
      NucleusSandboxStatus done = status("hello");
      assertThat(done.getExitCode()).isZero();
      assertThat(done.getReason()).isEqualTo(Reasons.SUCCEEDED);
      assertThat(done.getFinishedAt()).isNotBlank();
      assertThat(done.getLogTail()).isEqualTo("hello\n");
      // Operator-owned fields are exactly as the operator left them.
      assertThat(done.getNodeName()).isEqualTo(MockCluster.NODE);
      assertThat(done.getObservedGeneration()).isEqualTo(1L);
      assertThat(done.getConditions()).singleElement().satisfies(c -> {
        assertThat(c.getType()).isEqualTo("Scheduled");
        assertThat(c.getMessage()).isEqualTo("placed on " + MockCluster.NODE);
      });
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          assertThat(phases).containsSubsequence(SandboxPhase.Scheduled, SandboxPhase.Running, SandboxPhase.Succeeded)
              .doesNotContain(SandboxPhase.Starting));
      // A launch's first write is its outcome: the first agent phase a watcher sees already carries the facts.
      NucleusSandboxStatus firstReport = recorder.firstAgentReport();
      assertThat(firstReport.getPhase()).isEqualTo(SandboxPhase.Running);
      assertThat(firstReport.getPid()).isEqualTo(facts.pid());
      assertThat(firstReport.getStartedAt()).isNotBlank();
      assertThat(firstReport.getIsolation()).isNotNull();
    }
    assertThat(engine.starts(uid)).isEqualTo(1);
    assertThat(agent.metrics().launchCount()).isEqualTo(1);
  }

  @Test
  void aLaunchStillRunningAfterTheBoundShowsStartingAndItsOutcomeLandsAfterIt() throws Exception {
    CountDownLatch launchMayFinish = engine.holdStarts();
    String uid = client.resource(MockCluster.sandbox(NS, "slow", MockCluster.NODE)).create().getMetadata().getUid();
    operatorStatus("slow");
    List<SandboxPhase> phases = new CopyOnWriteArrayList<>();
    try (Watch ignored = client.resources(NucleusSandbox.class).inNamespace(NS).withName("slow")
        .watch(new PhaseRecorder(phases))) {
      startAgent();
      await().atMost(Duration.ofSeconds(60)).until(() -> status("slow").getPhase() == SandboxPhase.Starting);
      assertThat(engine.calls).contains("start " + uid); // the launch is under way: Starting, no facts yet
      assertThat(status("slow").getPid()).isNull();
      launchMayFinish.countDown();
      await().atMost(Duration.ofSeconds(60)).until(() -> status("slow").getPhase() == SandboxPhase.Running);
      NucleusSandboxStatus running = status("slow");
      assertThat(running.getPid()).isEqualTo(engine.facts(uid).orElseThrow().pid());
      assertThat(running.getIsolation()).isNotNull();
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
          assertThat(phases).containsSubsequence(SandboxPhase.Scheduled, SandboxPhase.Starting, SandboxPhase.Running));
      // Never a Starting after the outcome: a Starting write in flight completes before Running is sent.
      assertThat(phases.subList(phases.indexOf(SandboxPhase.Running), phases.size()))
          .doesNotContain(SandboxPhase.Starting);
      assertThat(status("slow").getPhase()).isEqualTo(SandboxPhase.Running);
    }
    assertThat(engine.starts(uid)).isEqualTo(1);
    assertThat(agent.metrics().launchCount()).isEqualTo(1);
  }

  @Test
  void anAgentFieldALaterWriterChangedIsWrittenAgain() throws Exception {
    String uid = client.resource(MockCluster.sandbox(NS, "clobbered", MockCluster.NODE)).create().getMetadata().getUid();
    operatorStatus("clobbered");
    startAgent();
    await().atMost(Duration.ofSeconds(60)).until(() -> status("clobbered").getPhase() == SandboxPhase.Running);
    // An operator status patch computed before it saw Running lands after it, carrying phase Scheduled.
    ControlPlaneCluster.mergeStatus(client, NucleusSandbox.class, NS, "clobbered", "{\"status\":{\"phase\":\"Scheduled\"}}");
    await().atMost(Duration.ofSeconds(60)).until(() -> status("clobbered").getPhase() == SandboxPhase.Running);
    assertThat(status("clobbered").getPid()).isEqualTo(engine.facts(uid).orElseThrow().pid());
    assertThat(engine.starts(uid)).isEqualTo(1);
  }

  @Test
  void sandboxesOfOtherNodesAreNotTouched() throws Exception {
    NucleusSandbox other = client.resource(MockCluster.sandbox(NS, "elsewhere", "node-b")).create();
    NucleusSandbox unplaced = client.resource(MockCluster.sandbox(NS, "unplaced", null)).create();
    client.resource(MockCluster.sandbox(NS, "mine", MockCluster.NODE)).create();
    startAgent();
    await().atMost(Duration.ofSeconds(60)).until(() -> status("mine").getPhase() == SandboxPhase.Running);
    assertThat(engine.starts(other.getMetadata().getUid())).isZero();
    assertThat(engine.starts(unplaced.getMetadata().getUid())).isZero();
    assertThat(status("elsewhere").getPhase()).isNull();
    assertThat(status("unplaced").getPhase()).isNull();
  }

  @Test
  void specTheNodeCannotSatisfyFailsWithThePreciseReason() throws Exception {
    engine.failNextStart(Reasons.ROOTFS_MISSING, "rootfs.path /srv/images/missing does not exist on node-a");
    NucleusSandbox created = client.resource(MockCluster.sandbox(NS, "badroot", MockCluster.NODE)).create();
    startAgent();
    await().atMost(Duration.ofSeconds(60)).until(() -> status("badroot").getPhase() == SandboxPhase.Failed);
    NucleusSandboxStatus failed = status("badroot");
    assertThat(failed.getReason()).isEqualTo(Reasons.ROOTFS_MISSING);
    assertThat(failed.getMessage()).isEqualTo("rootfs.path /srv/images/missing does not exist on node-a");
    assertThat(failed.getConditions()).isNull();
    assertThat(agent.metrics().errorCount(Reasons.ROOTFS_MISSING)).isEqualTo(1);
    Thread.sleep(1000); // several usage periods and Lease renewals: still no second attempt
    assertThat(engine.starts(created.getMetadata().getUid())).isEqualTo(1);
  }

  @Test
  void leaseIsCreatedAndRenewedWithCapabilitiesAndLoad() throws Exception {
    client.resource(new io.fabric8.kubernetes.api.model.NodeBuilder().withNewMetadata().withName(MockCluster.NODE)
        .addToLabels("topology.kubernetes.io/zone", "z1").endMetadata().build()).create();
    client.resource(MockCluster.sandbox(NS, "one", MockCluster.NODE)).create();
    startAgent();
    await().atMost(Duration.ofSeconds(60)).until(() -> status("one").getPhase() == SandboxPhase.Running);
    var leases = client.leases().inNamespace(MockCluster.NAMESPACE);
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Lease lease = leases.withName("nucleus-agent-" + MockCluster.NODE).get();
      assertThat(lease).isNotNull();
      assertThat(lease.getMetadata().getAnnotations())
          .containsEntry(NucleusNames.ANNOTATION_LANDLOCK_ABI, "7")
          .containsEntry(NucleusNames.ANNOTATION_CGROUP_MODE, "hybrid")
          .containsEntry(NucleusNames.ANNOTATION_CRIU_USABLE, "true")
          .containsEntry(NucleusNames.ANNOTATION_RUNSC_USABLE, "false")
          .containsEntry(NucleusNames.ANNOTATION_TIME_NAMESPACES, "true")
          .containsEntry(NucleusNames.ANNOTATION_KERNEL, "6.18.0")
          .containsEntry(NucleusNames.ANNOTATION_SANDBOXES_RUNNING, "1")
          .containsEntry(NucleusNames.ANNOTATION_MEMORY_COMMITTED_BYTES, Long.toString(64L << 20))
          .containsEntry(NucleusNames.ANNOTATION_MEMORY_ALLOCATABLE_BYTES, Long.toString(8L << 30))
          .containsEntry(NucleusNames.ANNOTATION_NODE_LABELS, "{\"topology.kubernetes.io/zone\":\"z1\"}");
      assertThat(lease.getSpec().getHolderIdentity()).isEqualTo(MockCluster.NODE);
      assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(2);
    });
    ZonedDateTime first = leases.withName("nucleus-agent-" + MockCluster.NODE).get().getSpec().getRenewTime();
    await().atMost(Duration.ofSeconds(60)).until(() ->
        leases.withName("nucleus-agent-" + MockCluster.NODE).get().getSpec().getRenewTime().isAfter(first));
  }

  /** Records each phase the object shows, in order, as a watching user would see it. */
  static final class PhaseRecorder implements Watcher<NucleusSandbox> {
    private final List<SandboxPhase> phases;
    private volatile NucleusSandboxStatus firstAgentReport;

    PhaseRecorder(List<SandboxPhase> phases) {
      this.phases = phases;
    }

    @Override
    public void eventReceived(Action action, NucleusSandbox sandbox) {
      SandboxPhase phase = sandbox.getStatus() == null ? null : sandbox.getStatus().getPhase();
      if (phase != null && (phases.isEmpty() || phases.get(phases.size() - 1) != phase)) {
        phases.add(phase);
      }
      if (firstAgentReport == null && phase != null && phase != SandboxPhase.Pending && phase != SandboxPhase.Scheduled) {
        firstAgentReport = sandbox.getStatus();
      }
    }

    /** The first status showing a phase only the agent writes. */
    NucleusSandboxStatus firstAgentReport() {
      return firstAgentReport;
    }

    @Override
    public void onClose(WatcherException cause) {}
  }
}
