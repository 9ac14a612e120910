package dev.nucleus.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.testing.controlplane.CommandResult;
import dev.nucleus.testing.controlplane.KubeControlPlane;
import dev.nucleus.testing.controlplane.KubeControlPlaneExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Nucleus end to end on this machine: the user installs it with kubectl and helm, the real operator and agent run
 * as processes with their chart ServiceAccounts' tokens, and real sandboxes run here. The first test is the user's
 * whole path including the install; the later ones use that installation (they fail, never skip, without it).
 */
@ExtendWith(KubeControlPlaneExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndToEndTest {
  static final String NS = "default";
  static NucleusOnThisMachine nucleus;

  @AfterAll
  static void uninstall() {
    if (nucleus != null) {
      nucleus.close();
    }
  }

  static NucleusOnThisMachine installed() {
    if (nucleus == null || nucleus.agent() == null) {
      throw new IllegalStateException("Nucleus was not installed: the user's path (the first test) failed");
    }
    return nucleus;
  }

  @Test
  @Order(1)
  void usersPathFromInstallToDeleteLeavesNothingOnTheNode(KubeControlPlane plane) {
    nucleus = new NucleusOnThisMachine(plane);
    UserPath.install(nucleus);

    nucleus.kubectl("apply", "-n", NS, "-f", Repo.file("docs/examples/hello-sandbox.yaml").toString()).orThrow();
    nucleus.await(NS, "nsb/hello", "condition=Scheduled");
    nucleus.await(NS, "nsb/hello", "condition=Started");
    nucleus.await(NS, "nsb/hello", "condition=Completed");

    Sandbox hello = Sandbox.read(nucleus, NS, "hello");
    assertThat(hello.row()).as("kubectl get nsb hello").containsSubsequence("hello", "Succeeded", nucleus.node, "0");
    assertThat(hello.exitCode()).isEqualTo("0");
    // The workload's own view of its walls, printed by the example's script.
    assertThat(hello.field(".status.logTail")).startsWith("hello from ").contains("CapEff:\t0000000000000000")
        .contains("NoNewPrivs:\t1").contains("Seccomp:\t2");
    assertThat(hello.field(".status.isolation.namespaces[*]").split(" ")).contains("pid", "mnt", "uts", "ipc", "net");
    assertThat(hello.field(".status.isolation.seccompProfile")).isEqualTo("Default");
    assertThat(hello.field(".status.isolation.landlockEnforced")).isEqualTo("true");
    assertThat(hello.condition("Isolated", "reason")).isEqualTo(Reasons.ISOLATION_ENFORCED);
    assertThat(nucleus.traces.sandboxDir(hello.sandboxId())).as("state directory while the object exists").isDirectory();

    // A long-running sandbox deleted while it runs: the agent stops it and removes everything, then the finalizer goes.
    nucleus.kubectl("apply", "-n", NS, "-f", Repo.file("docs/examples/counter-sandbox.yaml").toString()).orThrow();
    nucleus.await(NS, "nsb/counter", "condition=Ready");
    Sandbox counter = Sandbox.read(nucleus, NS, "counter");
    assertThat(counter.row()).containsSubsequence("counter", "Running", nucleus.node);
    assertThat(ProcessHandle.of(counter.pid()).map(ProcessHandle::isAlive)).contains(true);
    assertThat(nucleus.traces.processesOf(counter.sandboxId())).isNotEmpty();

    for (Sandbox s : List.of(hello, counter)) {
      nucleus.kubectl("delete", "nsb", s.name(), "-n", NS, "--wait", "--timeout=120s").orThrow();
      assertThat(nucleus.kubectl("get", "nsb", s.name(), "-n", NS).stderr()).contains("NotFound");
      assertThat(nucleus.traces.of(s.sandboxId(), s.uid(), s.pid())).as("left on the node by " + s.name()).isEmpty();
    }
  }

  @Test
  @Order(2)
  void killedAgentIsReplacedAndTheSandboxesKeepTheirPidsAndReportTheirExitCodes() throws Exception {
    NucleusOnThisMachine n = installed();
    Path gates = Files.createTempDirectory("nucleus-e2e-gates-",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    // Each workload waits for its own gate file, so the test decides when it exits: never a race with sleep.
    n.kubectl("apply", "-n", NS, "-f", n.manifest("gated.yaml",
        Manifests.gated("exits-while-down", gates, 3) + "---\n" + Manifests.gated("exits-after-restart", gates, 0))
        .toString()).orThrow();
    n.await(NS, "nsb/exits-while-down", "condition=Ready");
    n.await(NS, "nsb/exits-after-restart", "condition=Ready");
    Sandbox down = Sandbox.read(n, NS, "exits-while-down");
    Sandbox after = Sandbox.read(n, NS, "exits-after-restart");

    n.agent().kill();
    assertThat(ProcessHandle.of(down.pid()).map(ProcessHandle::isAlive)).as("sandbox outlives its agent").contains(true);
    assertThat(ProcessHandle.of(after.pid()).map(ProcessHandle::isAlive)).contains(true);
    Files.createFile(gates.resolve("exits-while-down"));
    n.await("exits-while-down to exit while no agent runs", null,
        () -> ProcessHandle.of(down.pid()).map(ph -> !ph.isAlive()).orElse(true));

    n.startAgent();
    n.await(NS, "nsb/exits-while-down", "jsonpath={.status.phase}=Failed");
    Files.createFile(gates.resolve("exits-after-restart"));
    n.await(NS, "nsb/exits-after-restart", "jsonpath={.status.phase}=Succeeded");

    for (Sandbox before : List.of(down, after)) {
      Sandbox now = Sandbox.read(n, NS, before.name());
      assertThat(now.pid()).as(before.name() + " keeps its pid").isEqualTo(before.pid());
      assertThat(now.field(".status.startedAt")).as("not started twice").isEqualTo(before.field(".status.startedAt"));
      assertThat(now.sandboxId()).isEqualTo(before.sandboxId());
    }
    assertThat(Sandbox.read(n, NS, "exits-while-down").exitCode()).isEqualTo("3");
    assertThat(Sandbox.read(n, NS, "exits-after-restart").exitCode()).isEqualTo("0");
    assertThat(n.agentMetric("nucleus_agent_launch_duration_seconds_count"))
        .as("launches by the new agent: it adopted both, started none").isEqualTo(0.0);

    for (Sandbox s : List.of(down, after)) {
      n.kubectl("delete", "nsb", s.name(), "-n", NS, "--wait", "--timeout=120s").orThrow();
      assertThat(n.traces.of(s.sandboxId(), s.uid(), s.pid())).as("left on the node by " + s.name()).isEmpty();
    }
    Files.delete(gates.resolve("exits-while-down"));
    Files.delete(gates.resolve("exits-after-restart"));
    Files.delete(gates);
  }

  @Test
  @Order(3)
  void specTheNodeCannotSatisfyFailsWithAPreciseReasonInKubectl() {
    NucleusOnThisMachine n = installed();
    n.kubectl("apply", "-n", NS, "-f", n.manifest("unsatisfiable.yaml", Manifests.missingRootfs("no-rootfs",
        "/var/lib/nucleus-e2e/does-not-exist") + "---\n" + Manifests.etcVolume("etc-volume")).toString()).orThrow();
    n.await(NS, "nsb/no-rootfs", "jsonpath={.status.phase}=Failed");
    n.await(NS, "nsb/etc-volume", "jsonpath={.status.phase}=Failed");

    Sandbox noRootfs = Sandbox.read(n, NS, "no-rootfs");
    assertThat(noRootfs.row()).containsSubsequence("no-rootfs", "Failed", n.node, Reasons.ROOTFS_MISSING);
    assertThat(noRootfs.field(".status.message")).contains("/var/lib/nucleus-e2e/does-not-exist")
        .doesNotContain("Exception").doesNotContain("\tat ");
    String describe = n.kubectl("describe", "nsb", "no-rootfs", "-n", NS).orThrow().stdout();
    assertThat(describe).contains("Isolated").contains(Reasons.ROOTFS_MISSING).contains("does-not-exist");

    Sandbox etc = Sandbox.read(n, NS, "etc-volume");
    assertThat(etc.row()).containsSubsequence("etc-volume", "Failed", n.node, Reasons.VOLUME_REFUSED);
    assertThat(etc.field(".status.message")).contains("/etc");
    for (Sandbox s : List.of(noRootfs, etc)) {
      assertThat(s.field(".status.pid")).as(s.name() + " never launched").isEmpty();
      n.kubectl("delete", "nsb", s.name(), "-n", NS, "--wait", "--timeout=120s").orThrow();
      assertThat(n.traces.sandboxDir(s.sandboxIdFromUid())).doesNotExist();
      assertThat(n.traces.journalEntry(s.uid())).doesNotExist();
    }
  }

  @Test
  @Order(4)
  void invalidManifestsAreRefusedByTheApiServerItself() {
    NucleusOnThisMachine n = installed();
    CommandResult cel = n.kubectl("apply", "-n", NS, "-f", n.manifest("two-rootfs.yaml", """
        apiVersion: nucleus.dev/v1alpha1
        kind: NucleusSandbox
        metadata:
          name: two-rootfs
        spec:
          command: ["/bin/true"]
          rootfs:
            host: true
            path: /srv/rootfs
        """).toString());
    assertThat(cel.succeeded()).isFalse();
    assertThat(cel.stderr()).contains("The NucleusSandbox \"two-rootfs\" is invalid")
        .contains("spec.rootfs: Invalid value: set exactly one of rootfs.host: true or rootfs.path");

    CommandResult schema = n.kubectl("apply", "-n", NS, "-f", n.manifest("bad-memory.yaml", """
        apiVersion: nucleus.dev/v1alpha1
        kind: NucleusSandbox
        metadata:
          name: bad-memory
        spec:
          command: ["/bin/true"]
          rootfs:
            host: true
          resources:
            memory: lots
        """).toString());
    assertThat(schema.succeeded()).isFalse();
    assertThat(schema.stderr()).contains("The NucleusSandbox \"bad-memory\" is invalid")
        .contains("spec.resources.memory");

    assertThat(n.kubectl("get", "nsb", "-n", NS, "-o", "name").orThrow().stdout())
        .doesNotContain("two-rootfs").doesNotContain("bad-memory");
  }

  @Test
  @Order(5)
  void checkpointAndRestoreThroughKubectlContinueTheCounterWhereItStopped() {
    NucleusOnThisMachine n = installed();
    n.kubectl("apply", "-n", NS, "-f", Repo.file("docs/examples/counter-sandbox.yaml").toString()).orThrow();
    n.await(NS, "nsb/counter", "condition=Ready");
    Sandbox counter = Sandbox.read(n, NS, "counter");
    n.await("the counter to reach 3", n.agent(), () -> lastCount(n.nodeLogs(counter.sandboxId())) >= 3);

    n.kubectl("apply", "-n", NS, "-f", Repo.file("docs/examples/checkpoint.yaml").toString()).orThrow();
    n.await(NS, "nckpt/counter-1", "jsonpath={.status.phase}=Completed");
    n.await(NS, "nsb/counter", "jsonpath={.status.reason}=" + Reasons.CHECKPOINTED);
    assertThat(Sandbox.read(n, NS, "counter").row()).containsSubsequence("counter", "Succeeded", n.node,
        Reasons.CHECKPOINTED);
    assertThat(ProcessHandle.of(counter.pid()).map(ProcessHandle::isAlive)).as("dumped sandbox stopped")
        .isNotEqualTo(java.util.Optional.of(true));
    int atDump = lastCount(n.nodeLogs(counter.sandboxId()));
    Path image = Path.of(n.field("nckpt", "counter-1", NS, ".status.location"));
    assertThat(image).isDirectory();

    n.kubectl("apply", "-n", NS, "-f", Repo.file("docs/examples/restore-sandbox.yaml").toString()).orThrow();
    n.await(NS, "nsb/counter-restored", "condition=Ready");
    Sandbox restored = Sandbox.read(n, NS, "counter-restored");
    assertThat(restored.row()).containsSubsequence("counter-restored", "Running", n.node);
    assertThat(restored.condition("Isolated", "reason")).isEqualTo(Reasons.LANDLOCK_NOT_RESTORED);
    n.await("the restored counter to count on", n.agent(),
        () -> lastCount(n.nodeLogs(restored.sandboxId())) > atDump + 1);
    List<Integer> counts = counts(n.nodeLogs(restored.sandboxId()));
    // The last line before the dump may sit in the stdout pipe that CRIU restores, so it can come out again once.
    assertThat(counts.get(0)).as("first count after the restore (%d at the dump), not 1", atDump)
        .isBetween(atDump, atDump + 1);

    for (String kind : List.of("nsb/counter-restored", "nsb/counter", "nckpt/counter-1")) {
      n.kubectl("delete", kind, "-n", NS, "--wait", "--timeout=100s").orThrow();
    }
    for (Sandbox s : List.of(counter, restored)) {
      assertThat(n.traces.of(s.sandboxId(), s.uid(), s.pid())).as("left on the node by " + s.name()).isEmpty();
    }
    assertThat(image).as("checkpoint image after deleting its NucleusCheckpoint").doesNotExist();
  }

  static List<Integer> counts(String log) {
    return log.lines().filter(l -> l.matches("count [0-9]+")).map(l -> Integer.parseInt(l.substring(6))).toList();
  }

  static int lastCount(String log) {
    List<Integer> counts = counts(log);
    return counts.isEmpty() ? 0 : counts.get(counts.size() - 1);
  }
}
