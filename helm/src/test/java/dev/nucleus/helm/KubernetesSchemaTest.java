package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every object the chart renders, in several value combinations, is valid for the Kubernetes schema of its kind. */
class KubernetesSchemaTest {

  static Stream<ObjectNode> combinations() {
    return Stream.of(
        Chart.values(),
        Chart.values("operator.replicas", 2, "metrics.serviceMonitor.enabled", true,
            "metrics.prometheusRule.enabled", true, "metrics.serviceMonitor.labels", Map.of("release", "prom")),
        Chart.values("agent.signingKey.existingSecret", "signing", "agent.signingKey.existingSecretKey", "hmac",
            "imagePullSecrets", List.of("pull"), "imageRegistry", "registry.example.com/platform",
            "operator.image.digest", "sha256:" + "c".repeat(64), "agent.maxUnavailable", "25%",
            "operator.watchNamespaces", List.of("team-a", "team-b")),
        Chart.values("agent.tolerations", List.of(Map.of("operator", "Exists")),
            "agent.nodeSelector", Map.of("nucleus.dev/sandboxes", "true"),
            "agent.affinity", Map.of("nodeAffinity", Map.of("requiredDuringSchedulingIgnoredDuringExecution",
                Map.of("nodeSelectorTerms", List.of(Map.of("matchExpressions", List.of(Map.of(
                    "key", "kubernetes.io/arch", "operator", "In", "values", List.of("amd64")))))))),
            "agent.extraEnv", List.of(Map.of("name", "CRIU_FAULT", "value", "130")),
            "operator.extraEnv", List.of(Map.of("name", "POD_NAME",
                "valueFrom", Map.of("fieldRef", Map.of("fieldPath", "metadata.name")))),
            "operator.priorityClassName", "high", "agent.priorityClassName", "system-node-critical",
            "commonLabels", Map.of("team", "platform"), "fullnameOverride", "nucleus"));
  }

  @ParameterizedTest
  @MethodSource("combinations")
  void everyRenderedObjectIsValidForItsKind(ObjectNode values) {
    List<ObjectNode> objects = Chart.render(values).objects();
    assertThat(objects).isNotEmpty();
    List<String> problems = new ArrayList<>();
    objects.forEach(o -> problems.addAll(StrictKubernetesModel.problems(o)));

    assertThat(problems).as("values %s", values).isEmpty();
  }

  @Test
  void monitoringKindsAreCheckedToo() {
    Chart.Rendered rendered = Chart.render(Chart.values(
        "metrics.serviceMonitor.enabled", true, "metrics.prometheusRule.enabled", true));
    assertThat(rendered.ofKind("ServiceMonitor")).hasSize(2);
    assertThat(rendered.ofKind("PrometheusRule")).hasSize(1);
    rendered.objects().forEach(o -> assertThat(StrictKubernetesModel.problems(o)).isEmpty());
  }

  @Test
  void catchesAnUnknownField() throws Exception {
    JsonNode deployment = Chart.YAML.readTree("""
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: d}
        spec:
          replica: 2
          template: {spec: {containers: [{name: c, image: i, imagePullPolicy: IfNotPresent, securityContex: {}}]}}
        """);
    assertThat(StrictKubernetesModel.problems(deployment))
        .containsExactlyInAnyOrder("Deployment/d.spec.replica: unknown field",
            "Deployment/d.spec.template.spec.containers[0].securityContex: unknown field");
  }

  @Test
  void catchesAWrongType() throws Exception {
    JsonNode daemonSet = Chart.YAML.readTree("""
        apiVersion: apps/v1
        kind: DaemonSet
        metadata: {name: d}
        spec: {template: {spec: {hostPID: {yes: please}}}}
        """);
    assertThat(StrictKubernetesModel.problems(daemonSet)).singleElement().asString()
        .startsWith("DaemonSet/d: does not deserialise");
  }

  @Test
  void catchesAnUnknownKind() throws Exception {
    JsonNode unknown = Chart.YAML.readTree("""
        apiVersion: example.com/v1
        kind: Widget
        metadata: {name: w}
        """);
    assertThat(StrictKubernetesModel.problems(unknown)).singleElement().asString().contains("no typed model");
  }
}
