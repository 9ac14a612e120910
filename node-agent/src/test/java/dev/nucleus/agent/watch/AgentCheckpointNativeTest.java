package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.agent.cgroup.CgroupManager;
import dev.nucleus.agent.checkpoint.CheckpointKey;
import dev.nucleus.agent.checkpoint.CheckpointService;
import dev.nucleus.agent.checkpoint.CriuConfig;
import dev.nucleus.agent.checkpoint.CriuRunner;
import dev.nucleus.agent.checkpoint.RestoreCgroups;
import dev.nucleus.agent.runtime.NodePolicies;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.agent.testing.TempDirs;
import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.Landlock;
import dev.nucleus.api.v1alpha1.LocalObjectReference;
import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.RestoreFrom;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import dev.nucleus.api.v1alpha1.Security;
import dev.nucleus.testing.controlplane.KubeControlPlane;
import dev.nucleus.testing.controlplane.KubeControlPlaneExtension;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The real agent (launcher, runtime, CRIU, signed images) against the real API server, the operator's writes done by
 * hand: a counter sandbox is checkpointed through a NucleusCheckpoint (Completed, a digest, a directory on disk; the
 * sandbox Succeeded/Checkpointed), a NucleusSandbox with restoreFrom brings it back on this node and the counter
 * continues from where it stopped, is checkpointed again (leaveRunning) and keeps counting, and deleting everything
 * leaves no process, cgroup, mount or directory. Root.
 */
@ExtendWith(KubeControlPlaneExtension.class)
class AgentCheckpointNativeTest {
  static final Duration WAIT = Duration.ofSeconds(120);
  static final String CGROUP_ROOT = "nucleus-agent-ckpt-test-" + ProcessHandle.current().pid();
  static final String COUNTER = "i=0; while true; do i=$((i+1)); echo $i; sleep 0.2; done";
  KubernetesClient client;
  String ns;
  Path stateRoot;
  NodeAgent agent;
  SandboxRuntime runtime;

  @BeforeEach
  void setUp(KubeControlPlane plane) throws Exception {
    ns = "native-ckpt";
    client = ControlPlaneCluster.adminClient(plane, ns);
    stateRoot = TempDirs.stateRoot("nucleus-agent-ckpt-");
    CgroupManager cgroups = CgroupManager.system(CGROUP_ROOT);
    NodePolicies policies = NodePolicies.system(CGROUP_ROOT);
    runtime = SandboxRuntime.open(stateRoot, policies);
    CheckpointKey key = CheckpointKey.generate(stateRoot.resolve("signing.key"));
    CheckpointService service = new CheckpointService(new CriuRunner(CriuConfig.fromEnvironment()), key,
        RestoreCgroups.of(cgroups), MockCluster.NODE, "test");
    RuntimeEngine engine = new RuntimeEngine(runtime, policies, AgentCommand.usageSource(runtime, cgroups), service);
    agent = NodeAgent.start(client, MockCluster.config(stateRoot), engine,
        new CriuCheckpointEngine(runtime, service, key), MockCluster::advertisement, Clock.systemUTC());
  }

  @AfterEach
  void tearDown() throws Exception {
    agent.close();
    ControlPlaneCluster.wipe(client);
    for (String id : runtime.stateDirectory().list()) {
      runtime.remove(id);
    }
    TempDirs.deleteTree(stateRoot);
    client.close();
  }

  @AfterAll
  static void removeCgroupRoot() throws Exception {
    for (Path dir : AgentSandboxNativeTest.cgroupDirectoriesOf(CGROUP_ROOT)) {
      Files.delete(dir);
    }
  }

  NucleusSandbox sandbox(String name, NucleusSandboxSpec spec) {
    NucleusSandbox s = new NucleusSandbox();
    s.getMetadata().setNamespace(ns);
    s.getMetadata().setName(name);
    s.getMetadata().setFinalizers(List.of(NucleusNames.TEARDOWN_FINALIZER));
    s.setSpec(spec);
    NucleusSandbox created = client.resource(s).create();
    ControlPlaneCluster.placeSandbox(client, ns, name);
    return created;
  }

  NucleusSandboxStatus status(String name) {
    return ControlPlaneCluster.sandboxStatus(client, ns, name);
  }

  NucleusCheckpointStatus checkpointStatus(String name) {
    return ControlPlaneCluster.checkpointStatus(client, ns, name);
  }

  List<Long> counts(String sandboxId) throws Exception {
    Path log = runtime.stateDirectory().open(sandboxId).stdoutLog();
    return Files.exists(log) ? Files.readAllLines(log).stream().filter(l -> l.matches("\\d+")).map(Long::parseLong)
        .toList() : List.of();
  }

  @Test
  void counterIsCheckpointedRestoredAndContinuesThenEverythingIsRemoved() throws Exception {
    NucleusSandbox counter = sandbox("counter", new NucleusSandboxSpec().setCommand(List.of("/bin/sh", "-c", COUNTER))
        .setResources(new dev.nucleus.api.v1alpha1.Resources().setMemory("64Mi").setPids(16L)));
    String counterId = RuntimeEngine.sandboxId(counter.getMetadata().getUid());
    await().atMost(WAIT).until(() -> status("counter").getPhase() == SandboxPhase.Running);
    await().atMost(WAIT).until(() -> counts(counterId).size() >= 5);

    NucleusCheckpoint ck = ControlPlaneCluster.admittedCheckpoint(client, ns, "counter-1", "counter", false);
    await().atMost(WAIT).until(() -> checkpointStatus("counter-1").getPhase() == CheckpointPhase.Completed
        || checkpointStatus("counter-1").getPhase() == CheckpointPhase.Failed);
    NucleusCheckpointStatus done = checkpointStatus("counter-1");
    assertThat(done.getPhase()).as(done.getReason() + ": " + done.getMessage()).isEqualTo(CheckpointPhase.Completed);
    assertThat(done.getDigest()).matches("sha256:[0-9a-f]{64}");
    Path image = Path.of(done.getLocation());
    assertThat(image).isEqualTo(stateRoot.resolve("checkpoints").resolve(ns)
        .resolve("counter-1-" + ck.getMetadata().getUid()));
    assertThat(image.resolve("images")).isDirectory();
    assertThat(image.resolve("manifest.sig")).isRegularFile();
    assertThat(done.getSizeBytes()).isPositive();
    assertThat(done.getMetadata().getCommand()).containsExactly("/bin/sh", "-c", COUNTER);
    await().atMost(WAIT).until(() -> status("counter").getPhase() == SandboxPhase.Succeeded);
    assertThat(status("counter").getReason()).isEqualTo(Reasons.CHECKPOINTED);
    long atDump = counts(counterId).get(counts(counterId).size() - 1);

    NucleusSandbox restored = sandbox("counter-restored", new NucleusSandboxSpec()
        .setRestoreFrom(new RestoreFrom().setCheckpointRef(new LocalObjectReference().setName("counter-1")))
        .setSecurity(new Security().setLandlock(new Landlock().setAllowNotRestored(true))));
    String restoredId = RuntimeEngine.sandboxId(restored.getMetadata().getUid());
    await().atMost(WAIT).until(() -> status("counter-restored").getPhase() == SandboxPhase.Running
        || status("counter-restored").getPhase() == SandboxPhase.Failed);
    NucleusSandboxStatus back = status("counter-restored");
    assertThat(back.getPhase()).as(back.getReason() + ": " + back.getMessage()).isEqualTo(SandboxPhase.Running);
    assertThat(back.getReason()).isEqualTo(Reasons.LANDLOCK_NOT_RESTORED);
    assertThat(back.getIsolation().getLandlockEnforced()).isFalse();
    long pid = back.getPid();
    await().atMost(WAIT).until(() -> counts(restoredId).size() >= 3);
    long first = counts(restoredId).get(0);
    assertThat(first).as("continues from the dump (%d), not from zero", atDump).isBetween(atDump, atDump + 2);
    await().atMost(WAIT).until(() -> status("counter-restored").getUsage() != null);

    // A restored sandbox is checkpointed again like any (leaveRunning: it keeps counting).
    ControlPlaneCluster.admittedCheckpoint(client, ns, "counter-2", "counter-restored", true);
    await().atMost(WAIT).until(() -> checkpointStatus("counter-2").getPhase() == CheckpointPhase.Completed
        || checkpointStatus("counter-2").getPhase() == CheckpointPhase.Failed);
    NucleusCheckpointStatus again = checkpointStatus("counter-2");
    assertThat(again.getPhase()).as(again.getReason() + ": " + again.getMessage()).isEqualTo(CheckpointPhase.Completed);
    Path secondImage = Path.of(again.getLocation());
    int before = counts(restoredId).size();
    await().atMost(WAIT).until(() -> counts(restoredId).size() > before + 2);
    assertThat(status("counter-restored").getPhase()).isEqualTo(SandboxPhase.Running);

    for (String name : List.of("counter", "counter-restored")) {
      client.resources(NucleusSandbox.class).inNamespace(ns).withName(name).delete();
    }
    for (String name : List.of("counter-1", "counter-2")) {
      client.resources(NucleusCheckpoint.class).inNamespace(ns).withName(name).delete();
    }
    for (String name : List.of("counter", "counter-restored")) {
      await().atMost(WAIT).until(() -> MockCluster.NODE.equals(annotation(NucleusSandbox.class, name)));
      releaseFinalizer(NucleusSandbox.class, name);
    }
    for (String name : List.of("counter-1", "counter-2")) {
      await().atMost(WAIT).until(() -> MockCluster.NODE.equals(annotation(NucleusCheckpoint.class, name)));
      ControlPlaneCluster.releaseFinalizer(client, ns, name);
    }
    assertThat(secondImage).doesNotExist();

    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    for (String id : List.of(counterId, restoredId)) {
      assertThat(AgentSandboxNativeTest.cgroupDirectoriesOf(id)).as("cgroups of " + id).isEmpty();
      assertThat(runtime.stateDirectory().exists(id)).as("state of " + id).isFalse();
    }
    assertThat(image).doesNotExist();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(stateRoot.toString());
  }

  @Test
  void aSandboxWhoseLandlockDomainScopesAbstractSocketsIsRefusedUpFrontAndKeepsRunning() throws Exception {
    // Host network: Landlock keeps the abstract-unix-socket scope, through which CRIU's parasite cannot reach criu.
    NucleusSandbox host = sandbox("hostnet", new NucleusSandboxSpec().setCommand(List.of("/bin/sh", "-c", COUNTER))
        .setNetwork(new dev.nucleus.api.v1alpha1.Network().setMode(dev.nucleus.api.v1alpha1.NetworkMode.Host)));
    String id = RuntimeEngine.sandboxId(host.getMetadata().getUid());
    await().atMost(WAIT).until(() -> status("hostnet").getPhase() == SandboxPhase.Running);
    long pid = status("hostnet").getPid();

    NucleusCheckpoint ck = ControlPlaneCluster.admittedCheckpoint(client, ns, "hostnet-1", "hostnet", false);
    await().atMost(WAIT).until(() -> checkpointStatus("hostnet-1").getPhase() == CheckpointPhase.Failed);
    NucleusCheckpointStatus refused = checkpointStatus("hostnet-1");
    assertThat(refused.getReason()).isEqualTo(Reasons.LANDLOCK_BLOCKS_DUMP);
    assertThat(refused.getMessage()).contains("scopes abstract unix sockets");
    assertThat(stateRoot.resolve("checkpoints").resolve(ns).resolve("hostnet-1-" + ck.getMetadata().getUid()))
        .doesNotExist();
    int before = counts(id).size();
    await().atMost(WAIT).until(() -> counts(id).size() > before + 2); // untouched: it keeps counting
    assertThat(status("hostnet").getPhase()).isEqualTo(SandboxPhase.Running);
    assertThat(status("hostnet").getPid()).isEqualTo(pid);
  }

  <T extends io.fabric8.kubernetes.api.model.HasMetadata> String annotation(Class<T> type, String name) {
    T object = client.resources(type).inNamespace(ns).withName(name).get();
    Map<String, String> annotations = object == null ? null : object.getMetadata().getAnnotations();
    return annotations == null ? null : annotations.get(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE);
  }

  <T extends io.fabric8.kubernetes.api.model.HasMetadata> void releaseFinalizer(Class<T> type, String name) {
    client.resources(type).inNamespace(ns).withName(name).edit(o -> {
      o.getMetadata().setFinalizers(List.of());
      return o;
    });
  }
}
