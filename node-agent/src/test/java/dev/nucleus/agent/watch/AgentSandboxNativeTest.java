package dev.nucleus.agent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nucleus.agent.runtime.LaunchException;
import dev.nucleus.agent.runtime.LaunchPlan;
import dev.nucleus.agent.runtime.SandboxConfig;
import dev.nucleus.agent.runtime.SandboxPolicies;
import dev.nucleus.agent.runtime.SandboxRuntime;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import dev.nucleus.api.v1alpha1.Seccomp;
import dev.nucleus.api.v1alpha1.SeccompProfile;
import dev.nucleus.api.v1alpha1.Security;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent with the real isolation core: real launcher, real processes, real state directory, against
 * fabric8's CRUD API server. Runs as root (CI does).
 */
@EnableKubernetesMockClient(crud = true)
class AgentSandboxNativeTest {
  static final String NS = "team-n";
  static final Duration WAIT = Duration.ofSeconds(90);
  KubernetesMockServer server;
  KubernetesClient client;
  Path stateRoot;
  NodeAgent agent;

  @BeforeEach
  void setUp() throws Exception {
    MockCluster.installCrds(client);
    stateRoot = Files.createTempDirectory("nucleus-agent-native-");
    // 0711 as on a node: a user-namespaced sandbox's root must traverse, nobody may list.
    Files.setPosixFilePermissions(stateRoot, PosixFilePermissions.fromString("rwx--x--x"));
  }

  @AfterEach
  void tearDown() throws Exception {
    if (agent != null) {
      agent.close();
    }
    SandboxRuntime runtime = runtime();
    for (String id : runtime.stateDirectory().list()) {
      runtime.remove(id);
    }
    try (var s = Files.walk(stateRoot)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  SandboxRuntime runtime() throws Exception {
    return SandboxRuntime.open(stateRoot, new LifecycleOnlyPolicies());
  }

  void startAgent() throws Exception {
    agent = NodeAgent.start(client, MockCluster.config(stateRoot), new RuntimeEngine(runtime(), id -> java.util.Optional.empty()),
        MockCluster::advertisement, Clock.systemUTC());
  }

  NucleusSandbox create(String name, String script) {
    NucleusSandbox sandbox = MockCluster.sandbox(NS, name, MockCluster.NODE);
    sandbox.getMetadata().setFinalizers(List.of(NucleusNames.TEARDOWN_FINALIZER));
    sandbox.getSpec().setCommand(List.of("/bin/sh", "-c", script)).setResources(null)
        .setSecurity(new Security().setSeccomp(new Seccomp().setProfile(SeccompProfile.Unconfined)));
    return client.resource(sandbox).create();
  }

  NucleusSandbox get(String name) {
    return client.resources(NucleusSandbox.class).inNamespace(NS).withName(name).get();
  }

  NucleusSandboxStatus status(String name) {
    NucleusSandbox s = get(name);
    return s == null || s.getStatus() == null ? new NucleusSandboxStatus() : s.getStatus();
  }

  @Test
  void realSandboxGoesRunningThenSucceededWithExitCodeLogTailAndIsolation() throws Exception {
    create("hello", "echo hello from $(hostname); sleep 2");
    startAgent();
    await().atMost(WAIT).until(() -> status("hello").getPhase() == SandboxPhase.Running);
    long pid = status("hello").getPid();
    assertThat(ProcessHandle.of(pid)).isPresent(); // a real process on this machine
    await().atMost(WAIT).until(() -> status("hello").getPhase() == SandboxPhase.Succeeded);
    NucleusSandboxStatus done = status("hello");
    assertThat(done.getExitCode()).isZero();
    assertThat(done.getReason()).isEqualTo(Reasons.SUCCEEDED);
    assertThat(done.getLogTail()).startsWith("hello from ");
    assertThat(done.getIsolation().getNamespaces()).contains("pid", "mnt", "uts", "ipc", "net").doesNotHaveDuplicates();
    assertThat(done.getIsolation().getNetworkMode()).isEqualTo("None");
    assertThat(done.getIsolation().getSeccompProfile()).isEqualTo("Unconfined"); // truthful: it was asked for
    assertThat(done.getIsolation().getCapabilities()).isEmpty();
    assertThat(done.getStartedAt()).isNotBlank();
    assertThat(done.getFinishedAt()).isNotBlank();
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
  void specTheNodeCannotEnforceFailsWithAPreciseReasonAndLeavesNothing() throws Exception {
    NucleusSandbox sandbox = create("strict", "true");
    client.resources(NucleusSandbox.class).inNamespace(NS).withName("strict").edit(s -> {
      s.getSpec().setSecurity(new Security().setSeccomp(new Seccomp().setProfile(SeccompProfile.Strict)));
      return s;
    });
    startAgent();
    await().atMost(WAIT).until(() -> status("strict").getPhase() == SandboxPhase.Failed);
    assertThat(status("strict").getReason()).isEqualTo(Reasons.SECCOMP_UNSUPPORTED);
    assertThat(status("strict").getMessage()).contains("Strict").doesNotContain("Exception");
    assertThat(stateRoot.resolve("sandboxes").resolve(RuntimeEngine.sandboxId(sandbox.getMetadata().getUid())))
        .doesNotExist();
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
    await().atMost(WAIT).until(() -> "true".equals(
        get("long").getMetadata().getAnnotations().get(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE)));
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
    assertThat(dir).doesNotExist();
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(dir.toString());
    assertThat(MockCluster.config(stateRoot).journalDir().resolve(uid + ".json")).doesNotExist();
  }

  @Test
  void restartedAgentReadoptsTheRunningSandboxWithItsPidAndReportsItsExit() throws Exception {
    create("survivor", "sleep 6; exit 5");
    startAgent();
    await().atMost(WAIT).until(() -> status("survivor").getPhase() == SandboxPhase.Running);
    NucleusSandboxStatus before = status("survivor");

    agent.close(); // a new agent, with a new runtime instance, over the same state directory
    agent = null;
    assertThat(ProcessHandle.of(before.getPid()).map(ProcessHandle::isAlive)).contains(true);
    startAgent();

    await().atMost(WAIT).until(() -> status("survivor").getPhase() == SandboxPhase.Failed);
    NucleusSandboxStatus after = status("survivor");
    assertThat(after.getExitCode()).isEqualTo(5);
    assertThat(after.getPid()).isEqualTo(before.getPid());
    assertThat(after.getStartedAt()).isEqualTo(before.getStartedAt()); // not started a second time
    assertThat(after.getSandboxId()).isEqualTo(before.getSandboxId());
  }

  /**
   * Policies for testing the agent's lifecycle handling while the node's policy engines are not wired into
   * the runtime: no cgroup, no Landlock domain, and seccomp only when Unconfined is asked for (anything else
   * fails closed). What they leave out shows truthfully in the effective isolation.
   */
  static final class LifecycleOnlyPolicies implements SandboxPolicies {
    private final SandboxPolicies unavailable = SandboxPolicies.unavailable();

    @Override
    public Optional<CgroupHandle> createCgroup(String id, SandboxConfig.Resources resources) throws LaunchException {
      return unavailable.createCgroup(id, resources);
    }

    @Override
    public Optional<CgroupHandle> findCgroup(String id) {
      return Optional.empty();
    }

    @Override
    public Compiled seccomp(SandboxConfig config) throws LaunchException {
      return unavailable.seccomp(config);
    }

    @Override
    public Optional<LaunchPlan.LandlockRules> landlock(SandboxConfig config) {
      return Optional.empty();
    }
  }
}
