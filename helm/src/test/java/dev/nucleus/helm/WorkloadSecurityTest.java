package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** Only the agent is privileged, and only with the privileges it documents; the operator is fully restricted. */
class WorkloadSecurityTest {
  private final Chart.Rendered rendered = Chart.render(Chart.values(
      "operator.replicas", 2, "metrics.serviceMonitor.enabled", true, "metrics.prometheusRule.enabled", true));

  @Test
  void onlyTheAgentContainerIsPrivileged() {
    for (JsonNode pod : podSpecs()) {
      boolean agent = pod.path("serviceAccountName").asText().endsWith("-agent");
      for (JsonNode container : containers(pod)) {
        assertThat(container.at("/securityContext/privileged").asBoolean(false)).as(container.path("name").asText())
            .isEqualTo(agent);
      }
      assertThat(pod.path("hostPID").asBoolean(false)).isEqualTo(agent);
      assertThat(pod.has("hostNetwork")).isFalse();
      assertThat(pod.has("hostIPC")).isFalse();
    }
  }

  @Test
  void operatorMeetsThePodSecurityRestrictedProfile() {
    JsonNode pod = rendered.get("Deployment", "nc-nucleus-operator").at("/spec/template/spec");
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.at("/securityContext/runAsUser").asInt()).isPositive();
    assertThat(pod.at("/securityContext/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
    assertThat(pod.path("volumes").findValues("hostPath")).isEmpty();
    for (JsonNode container : containers(pod)) {
      JsonNode context = container.path("securityContext");
      assertThat(context.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
      assertThat(context.path("readOnlyRootFilesystem").asBoolean()).isTrue();
      assertThat(context.at("/capabilities/drop")).extracting(JsonNode::asText).containsExactly("ALL");
      assertThat(context.at("/capabilities/add").isMissingNode()).isTrue();
      assertThat(container.findValues("hostPort")).isEmpty();
    }
  }

  @Test
  void agentMountsExactlyTheHostPathsItNeeds() {
    JsonNode pod = rendered.get("DaemonSet", "nc-nucleus-agent").at("/spec/template/spec");
    Map<String, String> hostPaths = new HashMap<>();
    for (JsonNode volume : pod.path("volumes")) {
      if (volume.has("hostPath")) {
        hostPaths.put(volume.path("name").asText(), volume.at("/hostPath/path").asText());
      }
    }
    assertThat(hostPaths).containsExactlyInAnyOrderEntriesOf(Map.of(
        "cgroup", "/sys/fs/cgroup", "state", "/var/lib/nucleus", "checkpoints", "/var/lib/nucleus/checkpoints"));
    Map<String, String> mounts = new HashMap<>();
    for (JsonNode mount : containers(pod).get(0).path("volumeMounts")) {
      mounts.put(mount.path("name").asText(), mount.path("mountPath").asText());
      assertThat(mount.has("mountPropagation")).as("no mount propagates back to the host").isFalse();
    }
    assertThat(mounts).containsExactlyInAnyOrderEntriesOf(Map.of("cgroup", "/sys/fs/cgroup",
        "state", "/var/lib/nucleus", "checkpoints", "/var/lib/nucleus/checkpoints", "signing-key", "/etc/nucleus/signing"));
  }

  @Test
  void agentSigningKeyIsMountedReadOnly() {
    JsonNode pod = rendered.get("DaemonSet", "nc-nucleus-agent").at("/spec/template/spec");
    JsonNode mount = StreamSupport.stream(containers(pod).get(0).path("volumeMounts").spliterator(), false)
        .filter(m -> m.path("name").asText().equals("signing-key")).findFirst().orElseThrow();
    assertThat(mount.path("readOnly").asBoolean()).isTrue();
  }

  @Test
  void agentEnvironmentFollowsTheContract() {
    JsonNode container = containers(rendered.get("DaemonSet", "nc-nucleus-agent").at("/spec/template/spec")).get(0);
    assertThat(container.path("command")).extracting(JsonNode::asText).containsExactly("nucleus", "agent");
    Map<String, String> env = env(container);
    assertThat(env).containsExactlyInAnyOrderEntriesOf(Map.of(
        "NODE_NAME", "fieldRef:spec.nodeName",
        "NUCLEUS_NAMESPACE", "fieldRef:metadata.namespace",
        "NUCLEUS_STATE_DIR", "/var/lib/nucleus",
        "NUCLEUS_CHECKPOINT_DIR", "/var/lib/nucleus/checkpoints",
        "NUCLEUS_SIGNING_KEY", "/etc/nucleus/signing/key"));
    assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(9400);
    assertThat(container.at("/livenessProbe/httpGet/path").asText())
        .as("an agent cut off from its API server is unready, not restarted").isEqualTo("/livez");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/healthz");
  }

  @Test
  void operatorEnvironmentAndProbesFollowTheContract() {
    JsonNode container = containers(rendered.get("Deployment", "nc-nucleus-operator").at("/spec/template/spec")).get(0);
    assertThat(env(container)).containsEntry("NUCLEUS_OPERATOR_NAMESPACE", "fieldRef:metadata.namespace");
    assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
  }

  private List<JsonNode> podSpecs() {
    return rendered.objects().stream()
        .filter(o -> o.at("/spec/template/spec").isObject())
        .map(o -> o.at("/spec/template/spec"))
        .toList();
  }

  private static List<JsonNode> containers(JsonNode pod) {
    List<JsonNode> all = new java.util.ArrayList<>();
    pod.path("initContainers").forEach(all::add);
    pod.path("containers").forEach(all::add);
    return all;
  }

  /** Env as name to literal value, or "fieldRef:path" for downward-API values. */
  private static Map<String, String> env(JsonNode container) {
    Map<String, String> env = new HashMap<>();
    for (JsonNode var : container.path("env")) {
      JsonNode fieldRef = var.at("/valueFrom/fieldRef/fieldPath");
      env.put(var.path("name").asText(), fieldRef.isMissingNode() ? var.path("value").asText()
          : "fieldRef:" + fieldRef.asText());
    }
    env.remove("QUARKUS_LOG_LEVEL");
    return env;
  }
}
