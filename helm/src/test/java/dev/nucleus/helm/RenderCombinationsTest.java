package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the optional values switch on and off, and how the signing key is generated and kept. */
class RenderCombinationsTest {
  private static final String SECRET = "nc-nucleus-agent-signing";

  @AfterEach
  void forgetPlantedSecrets() {
    FakeApiServer.start().clear();
  }

  @Test
  void twoOperatorReplicasGetADisruptionBudget() {
    assertThat(Chart.render().ofKind("PodDisruptionBudget")).isEmpty();

    Chart.Rendered rendered = Chart.render(Chart.values("operator.replicas", 2));
    assertThat(rendered.get("Deployment", "nc-nucleus-operator").at("/spec/replicas").asInt()).isEqualTo(2);
    JsonNode budget = rendered.get("PodDisruptionBudget", "nc-nucleus-operator");
    assertThat(budget.at("/spec/minAvailable").asInt()).isEqualTo(1);
    JsonNode selector = rendered.get("Deployment", "nc-nucleus-operator").at("/spec/selector/matchLabels");
    assertThat(budget.at("/spec/selector/matchLabels")).isEqualTo(selector);
    JsonNode spread = rendered.get("Deployment", "nc-nucleus-operator")
        .at("/spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/0");
    assertThat(spread.at("/podAffinityTerm/topologyKey").asText()).isEqualTo("kubernetes.io/hostname");
    assertThat(spread.at("/podAffinityTerm/labelSelector/matchLabels")).isEqualTo(selector);
    assertThat(Chart.render().get("Deployment", "nc-nucleus-operator").at("/spec/template/spec/affinity").isMissingNode())
        .isTrue();
  }

  @Test
  void monitoringIsOffByDefaultAndScrapesBothComponentsWhenOn() {
    assertThat(Chart.render().kinds()).noneMatch(k -> k.startsWith("Service") && !k.startsWith("ServiceAccount"))
        .noneMatch(k -> k.startsWith("PrometheusRule"));

    Chart.Rendered rendered = Chart.render(Chart.values("metrics.serviceMonitor.enabled", true,
        "metrics.prometheusRule.enabled", true, "metrics.serviceMonitor.labels", Map.of("release", "prom")));
    JsonNode operator = rendered.get("ServiceMonitor", "nc-nucleus-operator");
    JsonNode agent = rendered.get("ServiceMonitor", "nc-nucleus-agent");
    assertThat(operator.at("/spec/endpoints/0/path").asText()).isEqualTo("/q/metrics");
    assertThat(agent.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
    assertThat(operator.at("/metadata/labels/release").asText()).isEqualTo("prom");
    assertThat(rendered.get("Service", "nc-nucleus-agent-metrics").at("/spec/ports/0/port").asInt()).isEqualTo(9400);
    assertThat(rendered.get("Service", "nc-nucleus-agent-metrics").at("/spec/clusterIP").asText()).isEqualTo("None");
    assertThat(rendered.get("Service", "nc-nucleus-operator-metrics").at("/spec/ports/0/port").asInt()).isEqualTo(8080);
    String rules = rendered.get("PrometheusRule", "nc-nucleus").toString();
    assertThat(rules).contains("NucleusOperatorDown", "NucleusAgentDown", "job=\\\"nc-nucleus-agent-metrics\\\"");
  }

  @Test
  void metricsServicesSelectTheirOwnPods() {
    Chart.Rendered rendered = Chart.render(Chart.values("metrics.serviceMonitor.enabled", true));
    assertThat(rendered.get("Service", "nc-nucleus-agent-metrics").at("/spec/selector"))
        .isEqualTo(rendered.get("DaemonSet", "nc-nucleus-agent").at("/spec/selector/matchLabels"));
    assertThat(rendered.get("Service", "nc-nucleus-operator-metrics").at("/spec/selector"))
        .isEqualTo(rendered.get("Deployment", "nc-nucleus-operator").at("/spec/selector/matchLabels"));
  }

  @Test
  void aWarmPoolIsOffByDefaultAndPassedToTheAgentWhenSet() {
    JsonNode agent = Chart.render().get("DaemonSet", "nc-nucleus-agent").at("/spec/template/spec/containers/0");
    assertThat(agent.path("args").isMissingNode()).isTrue();

    JsonNode pooled = Chart.render(Chart.values("agent.warmPool", 8)).get("DaemonSet", "nc-nucleus-agent")
        .at("/spec/template/spec/containers/0");
    assertThat(pooled.at("/command").toString()).isEqualTo("[\"nucleus\",\"agent\"]");
    assertThat(pooled.at("/args").toString()).isEqualTo("[\"--warm-pool\",\"8\"]");
  }

  @Test
  void generatesARandomSigningKeyKeptOnUninstall() {
    JsonNode secret = Chart.render().get("Secret", SECRET);
    String key = decode(secret.at("/data/key").asText());

    assertThat(key).matches("[A-Za-z0-9]{64}");
    assertThat(decode(Chart.render().get("Secret", SECRET).at("/data/key").asText())).isNotEqualTo(key);
    assertThat(secret.at("/metadata/annotations/helm.sh~1resource-policy").asText()).isEqualTo("keep");
  }

  @Test
  void upgradeKeepsTheSigningKeyAlreadyInTheCluster() {
    String existing = Base64.getEncoder().encodeToString("k".repeat(64).getBytes(StandardCharsets.UTF_8));
    FakeApiServer.start().putSecret(Chart.NAMESPACE, SECRET, Map.of("key", existing));

    assertThat(Chart.render().get("Secret", SECRET).at("/data/key").asText()).isEqualTo(existing);
  }

  @Test
  void anExistingSecretReplacesTheGeneratedOne() {
    Chart.Rendered rendered = Chart.render(Chart.values(
        "agent.signingKey.existingSecret", "vault-signing", "agent.signingKey.existingSecretKey", "hmac"));

    assertThat(rendered.ofKind("Secret")).isEmpty();
    JsonNode volume = signingVolume(rendered);
    assertThat(volume.at("/secret/secretName").asText()).isEqualTo("vault-signing");
    assertThat(volume.at("/secret/items/0/key").asText()).isEqualTo("hmac");
    assertThat(volume.at("/secret/items/0/path").asText()).isEqualTo("key");
  }

  @Test
  void imagesDefaultToTheAppVersionAndPinByDigest() {
    String appVersion = Chart.readYaml(Chart.dir().resolve("Chart.yaml")).path("appVersion").asText();
    assertThat(image(Chart.render(), "DaemonSet", "nc-nucleus-agent")).isEqualTo("nucleus/agent:" + appVersion);

    String digest = "sha256:" + "d".repeat(64);
    Chart.Rendered rendered = Chart.render(Chart.values("imageRegistry", "registry.example.com/platform/",
        "operator.image.digest", digest, "operator.image.tag", "ignored", "imagePullSecrets", List.of("pull")));
    assertThat(image(rendered, "Deployment", "nc-nucleus-operator"))
        .isEqualTo("registry.example.com/platform/nucleus/operator@" + digest);
    assertThat(image(rendered, "DaemonSet", "nc-nucleus-agent"))
        .isEqualTo("registry.example.com/platform/nucleus/agent:" + appVersion);
    assertThat(rendered.get("DaemonSet", "nc-nucleus-agent").at("/spec/template/spec/imagePullSecrets/0/name")
        .asText()).isEqualTo("pull");
  }

  @Test
  void everyObjectCarriesTheCommonLabelsAndLivesInTheReleaseNamespace() {
    Chart.Rendered rendered = Chart.render(Chart.values("commonLabels", Map.of("team", "platform"),
        "metrics.serviceMonitor.enabled", true, "metrics.prometheusRule.enabled", true, "operator.replicas", 2));
    for (JsonNode object : rendered.objects()) {
      assertThat(object.at("/metadata/labels/team").asText()).as(object.at("/metadata/name").asText())
          .isEqualTo("platform");
      boolean clusterScoped = object.path("kind").asText().startsWith("Cluster")
          || object.path("kind").asText().startsWith("ValidatingAdmissionPolicy");
      assertThat(object.at("/metadata/namespace").asText(""))
          .isEqualTo(clusterScoped ? "" : Chart.NAMESPACE);
    }
  }

  private static JsonNode signingVolume(Chart.Rendered rendered) {
    for (JsonNode volume : rendered.get("DaemonSet", "nc-nucleus-agent").at("/spec/template/spec/volumes")) {
      if (volume.path("name").asText().equals("signing-key")) {
        return volume;
      }
    }
    throw new AssertionError("no signing-key volume");
  }

  private static String image(Chart.Rendered rendered, String kind, String name) {
    return rendered.get(kind, name).at("/spec/template/spec/containers/0/image").asText();
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
  }
}
