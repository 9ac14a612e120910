package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * values.yaml and values.schema.json describe the same tree, and every schema entry is used: setting it to a
 * different valid value changes what the chart renders.
 */
class ValuesSchemaTest {
  private static final JsonNode SCHEMA = Chart.readJson(Chart.dir().resolve("values.schema.json"));

  /** A different valid value per schema leaf, plus the values it needs to take effect (its precondition). */
  private static final Map<String, Sample> SAMPLES = Map.ofEntries(
      sample("nameOverride", "nx"),
      sample("fullnameOverride", "fx"),
      sample("imageRegistry", "registry.example.com/team"),
      sample("imagePullSecrets", List.of("pull")),
      sample("commonLabels", Map.of("team", "sandbox")),
      sample("operator.image.repository", "example/operator"),
      sample("operator.image.tag", "9.9.9"),
      sample("operator.image.digest", "sha256:" + "a".repeat(64)),
      sample("operator.image.pullPolicy", "Always"),
      sample("operator.replicas", 2),
      sample("operator.watchNamespaces", List.of("team-a")),
      sample("operator.logLevel", "DEBUG"),
      sample("operator.resources.requests", Map.of("cpu", "1")),
      sample("operator.resources.limits", Map.of("memory", "1Gi")),
      sample("operator.nodeSelector", Map.of("disk", "ssd")),
      sample("operator.tolerations", List.of(Map.of("key", "k", "operator", "Exists"))),
      sample("operator.affinity", Map.of("podAntiAffinity", Map.of())),
      sample("operator.priorityClassName", "high"),
      sample("operator.podAnnotations", Map.of("a", "b")),
      sample("operator.podLabels", Map.of("a", "b")),
      sample("operator.extraEnv", List.of(Map.of("name", "X", "value", "y"))),
      sample("agent.image.repository", "example/agent"),
      sample("agent.image.tag", "9.9.9"),
      sample("agent.image.digest", "sha256:" + "b".repeat(64)),
      sample("agent.image.pullPolicy", "Always"),
      sample("agent.hostPaths.state", "/srv/nucleus"),
      sample("agent.hostPaths.checkpoints", "/srv/nucleus-checkpoints"),
      sample("agent.signingKey.existingSecret", "my-signing-key"),
      new Sample("agent.signingKey.existingSecretKey", "hmac", Map.of("agent.signingKey.existingSecret", "s")).entry(),
      sample("agent.resources.requests", Map.of("cpu", "1")),
      sample("agent.resources.limits", Map.of("memory", "1Gi")),
      sample("agent.nodeSelector", Map.of("disk", "ssd")),
      sample("agent.tolerations", List.of(Map.of("operator", "Exists"))),
      sample("agent.affinity", Map.of("nodeAffinity", Map.of())),
      sample("agent.priorityClassName", "system-node-critical"),
      sample("agent.podAnnotations", Map.of("a", "b")),
      sample("agent.podLabels", Map.of("a", "b")),
      sample("agent.extraEnv", List.of(Map.of("name", "CRIU_FAULT", "value", "130"))),
      sample("agent.maxUnavailable", "10%"),
      sample("agent.terminationGracePeriodSeconds", 60),
      sample("agent.warmPool", 4),
      sample("metrics.serviceMonitor.enabled", true),
      monitored("metrics.serviceMonitor.interval", "1m", "metrics.serviceMonitor.enabled"),
      monitored("metrics.serviceMonitor.scrapeTimeout", "5s", "metrics.serviceMonitor.enabled"),
      monitored("metrics.serviceMonitor.labels", Map.of("release", "prom"), "metrics.serviceMonitor.enabled"),
      sample("metrics.prometheusRule.enabled", true),
      monitored("metrics.prometheusRule.labels", Map.of("release", "prom"), "metrics.prometheusRule.enabled"),
      monitored("metrics.prometheusRule.for", "10m", "metrics.prometheusRule.enabled"));

  @Test
  void everyValueHasASchemaEntryAndEverySchemaEntryADefault() {
    Set<String> schemaLeaves = new TreeSet<>();
    schemaLeaves(SCHEMA, "", schemaLeaves);
    Set<String> valueLeaves = new TreeSet<>();
    valueLeaves(Chart.defaultValues(), "", schemaLeaves, valueLeaves);

    assertThat(valueLeaves).containsExactlyInAnyOrderElementsOf(schemaLeaves);
  }

  @Test
  void everySchemaEntryHasASample() {
    Set<String> schemaLeaves = new TreeSet<>();
    schemaLeaves(SCHEMA, "", schemaLeaves);

    assertThat(SAMPLES.keySet()).containsExactlyInAnyOrderElementsOf(schemaLeaves);
  }

  @Test
  void everySchemaEntryChangesTheRenderedManifest() {
    Map<Map<String, Object>, String> baseRenders = new java.util.HashMap<>();
    for (Sample sample : SAMPLES.values()) {
      ObjectNode base = Chart.values(flatten(sample.precondition()));
      String before = baseRenders.computeIfAbsent(sample.precondition(),
          p -> withoutRandomKey(Chart.renderText(base)));
      String after = withoutRandomKey(Chart.renderText(merge(base, Chart.values(sample.path(), sample.value()))));

      assertThat(after).as("setting %s to %s changes nothing: the chart does not use it", sample.path(), sample.value())
          .isNotEqualTo(before);
    }
  }

  /** Paths of schema leaves: a node with "properties" is walked into, anything else is a leaf. */
  static void schemaLeaves(JsonNode schema, String prefix, Set<String> out) {
    JsonNode node = resolve(schema);
    if (!node.has("properties")) {
      out.add(prefix);
      return;
    }
    node.path("properties").fields().forEachRemaining(field ->
        schemaLeaves(field.getValue(), prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), out));
  }

  private static void valueLeaves(JsonNode value, String prefix, Set<String> schemaLeaves, Set<String> out) {
    if (!value.isObject() || schemaLeaves.contains(prefix)) {
      out.add(prefix);
      return;
    }
    value.fields().forEachRemaining(field -> valueLeaves(field.getValue(),
        prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), schemaLeaves, out));
  }

  private static JsonNode resolve(JsonNode node) {
    JsonNode ref = node.path("$ref");
    return ref.isMissingNode() ? node : resolve(SCHEMA.at(ref.asText().substring(1)));
  }

  /** The generated signing key is random per render; blank it so renders compare on everything else. */
  private static String withoutRandomKey(String manifest) {
    return manifest.replaceAll("(?m)^(  key: ).*$", "$1<random>");
  }

  private static ObjectNode merge(ObjectNode base, ObjectNode overlay) {
    ObjectNode merged = base.deepCopy();
    overlay.fields().forEachRemaining(field -> {
      JsonNode existing = merged.get(field.getKey());
      if (existing instanceof ObjectNode existingObject && field.getValue() instanceof ObjectNode overlayObject) {
        merged.set(field.getKey(), merge(existingObject, overlayObject));
      } else {
        merged.set(field.getKey(), field.getValue());
      }
    });
    return merged;
  }

  private static Object[] flatten(Map<String, Object> values) {
    return values.entrySet().stream().flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue())).toArray();
  }

  private static Map.Entry<String, Sample> sample(String path, Object value) {
    return new Sample(path, value, Map.of()).entry();
  }

  private static Map.Entry<String, Sample> monitored(String path, Object value, String enabledFlag) {
    return new Sample(path, value, Map.of(enabledFlag, true)).entry();
  }

  /** One schema leaf, a different valid value for it, and what must be set for it to take effect. */
  record Sample(String path, Object value, Map<String, Object> precondition) {
    Map.Entry<String, Sample> entry() {
      return Map.entry(path, this);
    }
  }
}
