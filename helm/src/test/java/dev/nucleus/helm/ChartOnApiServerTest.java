package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.testing.controlplane.CommandResult;
import dev.nucleus.testing.controlplane.KubeControlPlane;
import dev.nucleus.testing.controlplane.KubeControlPlaneExtension;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The chart on a real kube-apiserver (RBAC authorizer, admission, schema validation), installed by the real helm:
 * every object is accepted, each ServiceAccount can do exactly what the chart promises and nothing around it, and
 * the agent's admission policy lets it confirm teardown while refusing any other change. No kubelet runs, so pods
 * never start; what is proven is what the API server decides.
 */
@ExtendWith(KubeControlPlaneExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartOnApiServerTest {
  private static final String NS = "nucleus-system";
  private static final String AGENT = "system:serviceaccount:" + NS + ":nucleus-agent";
  private static final String OPERATOR = "system:serviceaccount:" + NS + ":nucleus-operator";

  @Test
  @Order(1)
  void helmInstallsTheChartAndTheServerAcceptsEveryObject(KubeControlPlane plane) {
    plane.kubectl("create", "namespace", NS).orThrow();
    plane.kubectl("label", "namespace", NS, "pod-security.kubernetes.io/enforce=privileged").orThrow();
    plane.helm("install", "nucleus", Chart.dir().toString(), "-n", NS).orThrow();

    String objects = plane.kubectl("get", "deploy,ds,sa,role,rolebinding,secret", "-n", NS, "-o", "name").orThrow().stdout();
    assertThat(objects).contains("deployment.apps/nucleus-operator", "daemonset.apps/nucleus-agent",
        "serviceaccount/nucleus-agent", "secret/nucleus-agent-signing");
    assertThat(plane.kubectl("get", "crd", "nucleussandboxes.nucleus.dev", "nucleuscheckpoints.nucleus.dev")
        .succeeded()).isTrue();
    String typeChecking = plane.kubectl("get", "validatingadmissionpolicy", "nucleus-agent-writes",
        "-o", "jsonpath={.status.typeChecking}").orThrow().stdout();
    assertThat(typeChecking).doesNotContain("warning");
  }

  @Test
  @Order(2)
  void eachServiceAccountCanDoExactlyWhatTheChartPromises(KubeControlPlane plane) {
    List<String> wrong = new ArrayList<>();
    expect(plane, wrong, AGENT, true, "patch", "leases", "-n", NS);
    expect(plane, wrong, AGENT, true, "create", "leases", "-n", NS);
    expect(plane, wrong, AGENT, true, "get", "nodes");
    expect(plane, wrong, AGENT, true, "watch", "nucleussandboxes.nucleus.dev", "-A");
    expect(plane, wrong, AGENT, true, "patch", "nucleussandboxes.nucleus.dev", "--subresource=status", "-n", "default");
    expect(plane, wrong, AGENT, true, "patch", "nucleuscheckpoints.nucleus.dev", "-n", "default");
    expect(plane, wrong, AGENT, false, "update", "leases", "-n", NS);
    expect(plane, wrong, AGENT, false, "patch", "leases", "-n", "default");
    expect(plane, wrong, AGENT, false, "list", "nodes");
    expect(plane, wrong, AGENT, false, "create", "nucleussandboxes.nucleus.dev", "-n", "default");
    expect(plane, wrong, AGENT, false, "delete", "nucleussandboxes.nucleus.dev", "-n", "default");
    expect(plane, wrong, AGENT, false, "get", "secrets", "-n", NS);
    expect(plane, wrong, OPERATOR, true, "delete", "nucleussandboxes.nucleus.dev", "-n", "default");
    expect(plane, wrong, OPERATOR, true, "update", "nucleuscheckpoints.nucleus.dev", "--subresource=finalizers", "-n", "x");
    expect(plane, wrong, OPERATOR, true, "watch", "leases", "-n", NS);
    expect(plane, wrong, OPERATOR, true, "update", "leases", "-n", NS);
    expect(plane, wrong, OPERATOR, true, "patch", "leases", "-n", NS);
    expect(plane, wrong, OPERATOR, true, "create", "events", "-n", "default");
    expect(plane, wrong, OPERATOR, true, "list", "customresourcedefinitions.apiextensions.k8s.io");
    expect(plane, wrong, OPERATOR, false, "create", "customresourcedefinitions.apiextensions.k8s.io");
    expect(plane, wrong, OPERATOR, false, "create", "nucleussandboxes.nucleus.dev", "-n", "default");
    expect(plane, wrong, OPERATOR, false, "watch", "leases", "-n", "default");
    expect(plane, wrong, OPERATOR, false, "get", "secrets", "-n", NS);
    expect(plane, wrong, OPERATOR, false, "get", "nodes");

    assertThat(wrong).isEmpty();
  }

  @Test
  @Order(3)
  void agentMayConfirmTeardownButChangeNothingElse(KubeControlPlane plane) throws InterruptedException {
    plane.kubectl("apply", "-n", "default", "-f", Chart.repoRoot().resolve("docs/examples/hello-sandbox.yaml").toString())
        .orThrow();
    plane.kubectl("label", "-n", "default", "nsb", "hello", "nucleus.dev/node=node-a").orThrow();

    // The policy is enforced once the API server has loaded it: retry the first denial for a few seconds.
    CommandResult spec = untilFails(() -> plane.kubectl("patch", "-n", "default", "nsb", "hello", "--type=merge",
        "-p", "{\"spec\":{\"args\":[\"echo changed\"]}}", "--as=" + AGENT));
    assertThat(spec.stderr()).contains("the node agent may not change the spec");
    assertThat(plane.kubectl("label", "-n", "default", "nsb", "hello", "nucleus.dev/node=node-b", "--overwrite",
        "--as=" + AGENT).stderr()).contains("the node agent may not change labels");
    assertThat(plane.kubectl("annotate", "-n", "default", "nsb", "hello", "example.com/other=x",
        "--as=" + AGENT).stderr()).contains("the node agent may only set the nucleus.dev/teardown-complete annotation");

    plane.kubectl("annotate", "-n", "default", "nsb", "hello", "nucleus.dev/teardown-complete=node-a",
        "--as=" + AGENT).orThrow();
    assertThat(plane.kubectl("get", "-n", "default", "nsb", "hello",
        "-o", "jsonpath={.metadata.annotations.nucleus\\.dev/teardown-complete}").orThrow().stdout()).isEqualTo("node-a");
    // The operator is not fenced by the policy.
    plane.kubectl("label", "-n", "default", "nsb", "hello", "nucleus.dev/phase=Pending", "--as=" + OPERATOR).orThrow();
  }

  private static void expect(KubeControlPlane plane, List<String> wrong, String user, boolean allowed, String... args) {
    List<String> command = new ArrayList<>(List.of("auth", "can-i"));
    command.addAll(List.of(args));
    command.add("--as=" + user);
    CommandResult result = plane.kubectl(command.toArray(String[]::new));
    boolean yes = result.stdout().trim().equals("yes");
    if (yes != allowed) {
      wrong.add(user + " " + String.join(" ", args) + ": expected " + (allowed ? "yes" : "no") + ", got "
          + result.stdout().trim() + " " + result.stderr().trim());
    }
  }

  private static CommandResult untilFails(java.util.function.Supplier<CommandResult> attempt) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
    CommandResult result = attempt.get();
    while (result.succeeded() && Instant.now().isBefore(deadline)) {
      Thread.sleep(500);
      result = attempt.get();
    }
    return result;
  }
}
