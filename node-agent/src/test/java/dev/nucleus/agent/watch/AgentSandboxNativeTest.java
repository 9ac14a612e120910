package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.agent.cgroup.CgroupManager;
import dev.nucleus.agent.runtime.NodePolicies;
import dev.nucleus.agent.runtime.PoolShape;
import dev.nucleus.agent.runtime.SandboxRecord;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.agent.testing.TempDirs;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import dev.nucleus.testing.controlplane.KubeControlPlane;
import dev.nucleus.testing.controlplane.KubeControlPlaneExtension;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The agent with the real isolation core: real launcher, policies (cgroups, seccomp, Landlock), processes and
 * state directory, against the real API server of the test control plane. Runs as root (CI does).
 */
@ExtendWith(KubeControlPlaneExtension.class)
class AgentSandboxNativeTest {
  static final String NS = "team-n";
  static final Duration WAIT = Duration.ofSeconds(90);
  static final String CGROUP_ROOT = "nucleus-agent-test-" + ProcessHandle.current().pid();
  KubernetesClient client;
  Path stateRoot;
  NodeAgent agent;
  SandboxRuntime agentRuntime;

  @BeforeEach
  void setUp(KubeControlPlane plane) throws Exception {
    client = ControlPlaneCluster.adminClient(plane, NS);
    stateRoot = TempDirs.stateRoot("nucleus-agent-native-");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (agent != null) {
      agent.close();
    }
    closeAgentRuntime();
    ControlPlaneCluster.wipe(client);
    client.close();
    SandboxRuntime runtime = runtime();
    for (String id : runtime.stateDirectory().list()) {
      runtime.remove(id);
    }
    TempDirs.deleteTree(stateRoot);
  }

  /** Stops the agent's zygote (as the agent's shutdown does); its sandboxes run on. */
  void closeAgentRuntime() throws InterruptedException {
    if (agentRuntime != null) {
      agentRuntime.close();
      agentRuntime = null;
    }
  }

  /** The test's cgroup root is empty once every sandbox is removed; rmdir it in every hierarchy. */
  @AfterAll
  static void removeCgroupRoot() throws Exception {
    for (Path dir : cgroupDirectoriesOf(CGROUP_ROOT)) {
      Files.delete(dir);
    }
    assertThat(cgroupDirectoriesOf(CGROUP_ROOT)).isEmpty();
  }

  /** Every cgroup directory named after the sandbox anywhere under /sys/fs/cgroup. */
  static List<Path> cgroupDirectoriesOf(String sandboxId) throws Exception {
    List<Path> found = new ArrayList<>();
    // Other builds on this shared machine make and remove cgroups while the walk lists them (a walk that started
    // again met another one, five times running, under load): one that vanished is skipped, any other error fails.
    Files.walkFileTree(Path.of("/sys/fs/cgroup"), Set.of(), 8, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes a) {
        return visitFile(d, a);
      }

      @Override
      public FileVisitResult visitFile(Path p, BasicFileAttributes a) {
        if (a.isDirectory() && p.getFileName() != null && p.getFileName().toString().equals(sandboxId)) {
          found.add(p);  // a directory at the depth limit comes here, not to preVisitDirectory
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
        return vanished(e);
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        return e == null ? FileVisitResult.CONTINUE : vanished(e);
      }

      private FileVisitResult vanished(IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }
    });
    return found;
  }

  SandboxRuntime runtime() throws Exception {
    return SandboxRuntime.open(stateRoot, NodePolicies.system(CGROUP_ROOT));
  }

  /** As `nucleus agent` runs it: launchers forked from a zygote. */
  void startAgent() throws Exception {
    startAgent(0);
  }

  /** As `nucleus agent --warm-pool N` runs it: N pre-made sandboxes kept ready (0: none). */
  void startAgent(int warmPool) throws Exception {
    NodePolicies policies = NodePolicies.system(CGROUP_ROOT);
    agentRuntime = SandboxRuntime.open(stateRoot, policies, true);
    if (warmPool > 0) {
      agentRuntime.enableWarmPool(warmPool, PoolShape.NETWORK_NONE);
      assertThat(agentRuntime.awaitWarmPool(WAIT)).as("the warm pool filled").isTrue();
    }
    RuntimeEngine engine = new RuntimeEngine(agentRuntime, policies,
        AgentCommand.usageSource(agentRuntime, CgroupManager.system(CGROUP_ROOT)));
    agent = NodeAgent.start(client, MockCluster.config(stateRoot), engine, MockCluster::advertisement,
        Clock.systemUTC());
  }

  /** A manifest from docs/examples, placed on this test's node as the operator would place it. */
  NucleusSandbox apply(String example) throws Exception {
    NucleusSandbox sandbox = client.resources(NucleusSandbox.class)
        .load(Path.of("..", "docs", "examples", example).toFile()).item();
    sandbox.getMetadata().setNamespace(NS);
    sandbox.getMetadata().setLabels(new java.util.HashMap<>(java.util.Map.of(NucleusNames.NODE_LABEL, MockCluster.NODE)));
    sandbox.getMetadata().setFinalizers(List.of(NucleusNames.TEARDOWN_FINALIZER));
    return client.resource(sandbox).create();
  }

  NucleusSandbox create(String name, String script) {
    NucleusSandbox sandbox = MockCluster.sandbox(NS, name, MockCluster.NODE);
    sandbox.getMetadata().setFinalizers(List.of(NucleusNames.TEARDOWN_FINALIZER));
    sandbox.getSpec().setCommand(List.of("/bin/sh", "-c", script)); // every default wall, 64Mi memory limit
    return client.resource(sandbox).create();
  }

  NucleusSandbox get(String name) {
    return client.resources(NucleusSandbox.class).inNamespace(NS).withName(name).get();
  }

  NucleusSandboxStatus status(String name) {
    return ControlPlaneCluster.sandboxStatus(client, NS, name);
  }

  @Test
  void helloExampleGoesRunningThenSucceededWithExitCodeIsolationUsageAndLogTail() throws Exception {
    apply("hello-sandbox.yaml");
    List<SandboxPhase> phases = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (var watch = client.resources(NucleusSandbox.class).inNamespace(NS).withName("hello")
        .watch(new SandboxWatchTest.PhaseRecorder(phases))) {
      startAgent();
      await().atMost(WAIT).until(() -> status("hello").getPhase() == SandboxPhase.Succeeded);
      // The example exits within milliseconds: its first report may already say Succeeded (as a pod's fast
      // container may skip Running); a launch reports its outcome (Starting only if it took over a second, which a
      // very busy machine can make happen). Long runs show Running.
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(phases).contains(SandboxPhase.Succeeded).doesNotContain(SandboxPhase.Failed));
    }
    NucleusSandboxStatus done = status("hello");
    assertThat(done.getExitCode()).isZero();
    assertThat(done.getReason()).isEqualTo(Reasons.SUCCEEDED);
    assertThat(done.getPid()).isPositive();
    // The workload's own view of its walls, from the example's script.
    assertThat(done.getLogTail()).startsWith("hello from ").contains("CapEff:\t0000000000000000")
        .contains("NoNewPrivs:\t1").contains("Seccomp:\t2");
    assertThat(done.getIsolation().getNamespaces()).contains("pid", "mnt", "uts", "ipc", "net").doesNotHaveDuplicates();
    assertThat(done.getIsolation().getSeccompProfile()).isEqualTo("Default");
    assertThat(done.getIsolation().getSeccompSyscallCount()).isPositive();
    assertThat(done.getIsolation().getLandlockEnforced()).isTrue();
    assertThat(done.getIsolation().getLandlockAbi()).as("the ABI the domain was built for").isPositive();
    assertThat(done.getIsolation().getLandlockRuleCount()).isPositive();
    assertThat(done.getIsolation().getCapabilities()).isEmpty();
    assertThat(done.getUsage()).isNotNull();
    assertThat(done.getUsage().getCpuSeconds()).isNotNull();
    assertThat(done.getStartedAt()).isNotBlank();
    assertThat(done.getFinishedAt()).isNotBlank();
  }

  @Test
  void theTimeNamespaceExampleRunsInItsOwnAndItsStatusListsIt() throws Exception {
    apply("timens-sandbox.yaml");
    startAgent();
    await().atMost(WAIT).until(() -> status("timens").getPhase() == SandboxPhase.Succeeded);
    NucleusSandboxStatus done = status("timens");
    String host = java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self/ns/time")).toString();
    assertThat(done.getLogTail()).contains("time namespace time:[").doesNotContain(host)
        .containsPattern("monotonic\\s+0\\s+0\\n");
    assertThat(done.getIsolation().getNamespaces()).contains("pid", "net", "time").doesNotHaveDuplicates();
  }

  @Test
  void runningSandboxReportsUsageFromItsCgroup() throws Exception {
    create("busy", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 30");
    startAgent();
    await().atMost(WAIT).until(() -> status("busy").getPhase() == SandboxPhase.Running
        && status("busy").getUsage() != null && status("busy").getUsage().getMemoryCurrentBytes() != null
        && status("busy").getUsage().getMemoryCurrentBytes() > 0);
    assertThat(status("busy").getUsage().getPids()).isPositive();
  }

  @Test
  void aSandboxThatClaimedAWarmPoolMemberRunsReportsUsageFromTheMembersCgroupsAndLeavesNothing() throws Exception {
    startAgent(2);
    String uid = create("pooled", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; sleep 600").getMetadata().getUid();
    String id = RuntimeEngine.sandboxId(uid);
    await().atMost(WAIT).until(() -> status("pooled").getPhase() == SandboxPhase.Running
        && status("pooled").getUsage() != null && status("pooled").getUsage().getMemoryCurrentBytes() != null
        && status("pooled").getUsage().getMemoryCurrentBytes() > 0);
    String cgroup = agentRuntime.cgroupName(id);
    assertThat(cgroup).as("the launch claimed a member, whose cgroups keep its name").startsWith("pool.");
    NucleusSandboxStatus running = status("pooled");
    assertThat(running.getUsage().getPids()).isPositive();
    assertThat(running.getIsolation().getNamespaces()).contains("pid", "mnt", "uts", "ipc", "net");
    assertThat(running.getIsolation().getSeccompProfile()).isEqualTo("Default");
    assertThat(running.getIsolation().getLandlockEnforced()).isTrue();
    long pid = running.getPid();

    client.resources(NucleusSandbox.class).inNamespace(NS).withName("pooled").delete();
    await().atMost(WAIT).until(() -> MockCluster.NODE.equals(
        get("pooled").getMetadata().getAnnotations().get(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE)));
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    assertThat(stateRoot.resolve("sandboxes").resolve(id)).doesNotExist();
    assertThat(cgroupDirectoriesOf(cgroup)).isEmpty();
  }

  @Test
  void nonZeroExitIsReportedAsFailedWithItsCode() throws Exception {
    create("seven", "echo bad >&2; exit 7");
    startAgent();
    await().atMost(WAIT).until(() -> status("seven").getPhase() == SandboxPhase.Failed);
    assertThat(status("seven").getExitCode()).isEqualTo(7);
    assertThat(status("seven").getReason()).isEqualTo(Reasons.FAILED);
    assertThat(status("seven").getLogTail()).contains("bad");
  }

  @Test
  void specTheNodeRefusesFailsWithAPreciseReasonAndLeavesNothing() throws Exception {
    NucleusSandbox sandbox = MockCluster.sandbox(NS, "etc-mount", MockCluster.NODE);
    sandbox.getSpec().setCommand(List.of("/bin/true")).setVolumes(List.of(new dev.nucleus.api.v1alpha1.Volume()
        .setName("etc").setMountPath("/host-etc")
        .setHostPath(new dev.nucleus.api.v1alpha1.HostPathVolume().setPath("/etc").setReadOnly(true))));
    String uid = client.resource(sandbox).create().getMetadata().getUid();
    startAgent();
    await().atMost(WAIT).until(() -> status("etc-mount").getPhase() == SandboxPhase.Failed);
    assertThat(status("etc-mount").getReason()).isEqualTo(Reasons.VOLUME_REFUSED);
    assertThat(status("etc-mount").getMessage()).contains("/etc").doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(stateRoot.resolve("sandboxes").resolve(RuntimeEngine.sandboxId(uid))).doesNotExist();
  }

  @Test
  void deletionLeavesNoProcessMountOrDirectory() throws Exception {
    String uid = create("long", "sleep 600").getMetadata().getUid();
    startAgent();
    await().atMost(WAIT).until(() -> status("long").getPhase() == SandboxPhase.Running);
    long pid = status("long").getPid();
    Path dir = stateRoot.resolve("sandboxes").resolve(RuntimeEngine.sandboxId(uid));
    assertThat(dir).isDirectory();

    client.resources(NucleusSandbox.class).inNamespace(NS).withName("long").delete();
    await().atMost(WAIT).until(() -> MockCluster.NODE.equals(
        get("long").getMetadata().getAnnotations().get(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE)));
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    assertThat(dir).doesNotExist();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(dir.toString());
    assertThat(MockCluster.config(stateRoot).journalDir().resolve(uid + ".json")).doesNotExist();
    assertThat(CgroupManager.system(CGROUP_ROOT).layout().mode()).isNotEmpty();
    assertThat(cgroupDirectoriesOf(RuntimeEngine.sandboxId(uid))).isEmpty();
  }

  @Test
  void launchInterruptedByTheAgentsDeathIsRemovedWithItsProcessesCgroupsAndDirectory() throws Exception {
    NucleusSandbox late = create("late", "sleep 600");
    String lateId = RuntimeEngine.sandboxId(late.getMetadata().getUid());
    String earlyId = RuntimeEngine.sandboxId(create("early", "sleep 600").getMetadata().getUid());
    // A previous agent accepted "late" and its launch got as far as it can without recording the sandbox: the
    // launcher monitors the running workload in its cgroups, but state.json was never written (the agent died just
    // before). "early" died sooner: only its directory exists, and the journal lost it.
    AssignmentJournal.open(MockCluster.config(stateRoot).journalDir()).write(new Assignment(
        new SandboxKey(NS, "late", late.getMetadata().getUid()), Assignment.Stage.ACCEPTED, null, "2026-11-30T02:00:00Z"));
    SandboxRuntime previous = SandboxRuntime.open(stateRoot, NodePolicies.system(CGROUP_ROOT), true);
    SandboxRecord launched = previous.launch(SpecTranslator.translate(lateId, late.getSpec()));
    Files.delete(previous.stateDirectory().open(lateId).stateFile());
    previous.stateDirectory().create(earlyId);
    previous.close(); // the previous agent's zygote went with it; the monitor it forked runs on
    assertThat(ProcessHandle.of(launched.initPid()).map(ProcessHandle::isAlive)).contains(true);
    assertThat(cgroupDirectoriesOf(lateId)).isNotEmpty();

    startAgent();
    for (String name : List.of("late", "early")) {
      await().atMost(WAIT).until(() -> status(name).getPhase() == SandboxPhase.Failed);
      assertThat(status(name).getReason()).isEqualTo(AgentReasons.LAUNCH_INTERRUPTED);
      assertThat(status(name).getPid()).isNull();
    }
    assertThat(status("late").getMessage()).contains("1 launcher process").contains("cgroup directories")
        .contains("its state directory");
    assertThat(status("early").getMessage()).contains("removed its state directory");
    for (long pid : new long[] {launched.monitorPid(), launched.initPid()}) {
      await().atMost(WAIT).until(() -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false);
    }
    for (String id : List.of(lateId, earlyId)) {
      assertThat(stateRoot.resolve("sandboxes").resolve(id)).doesNotExist();
      assertThat(cgroupDirectoriesOf(id)).isEmpty();
      assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(id);
    }
    assertThat(agent.metrics().launchCount()).isZero(); // neither was started again
  }

  @Test
  void restartedAgentReadoptsTheRunningSandboxWithItsPidAndReportsItsExit() throws Exception {
    create("survivor", "sleep 6; exit 5");
    startAgent();
    await().atMost(WAIT).until(() -> status("survivor").getPhase() == SandboxPhase.Running);
    NucleusSandboxStatus before = status("survivor");

    agent.close(); // a new agent, with a new runtime instance, over the same state directory
    agent = null;
    closeAgentRuntime();
    assertThat(ProcessHandle.of(before.getPid()).map(ProcessHandle::isAlive)).contains(true);
    startAgent();

    await().atMost(WAIT).until(() -> status("survivor").getPhase() == SandboxPhase.Failed);
    NucleusSandboxStatus after = status("survivor");
    assertThat(after.getExitCode()).isEqualTo(5);
    assertThat(after.getPid()).isEqualTo(before.getPid());
    assertThat(after.getStartedAt()).isEqualTo(before.getStartedAt()); // not started a second time
    assertThat(after.getSandboxId()).isEqualTo(before.getSandboxId());
  }
}
