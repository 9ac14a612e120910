package dev.nucleus.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Renders the chart in helm/nucleus with Helm running in-process (helm-java) and parses what it rendered. */
final class Chart {
  static final String RELEASE = "nc";
  static final String NAMESPACE = "nucleus-system";
  /** The Kubernetes version Helm renders for (Capabilities.KubeVersion); the chart requires 1.27 or newer. */
  static final String KUBE_VERSION = "1.31.0";
  static final YAMLMapper YAML = new YAMLMapper();

  static Path dir() {
    return Path.of(System.getProperty("nucleus.chart.dir", "nucleus")).toAbsolutePath().normalize();
  }

  static Path repoRoot() {
    return Path.of(System.getProperty("nucleus.repo.root", "..")).toAbsolutePath().normalize();
  }

  /** The chart's own values.yaml as a tree. */
  static ObjectNode defaultValues() {
    return (ObjectNode) readYaml(dir().resolve("values.yaml"));
  }

  /** Renders with the chart defaults overlaid by {@code overrides} (a values tree, merged by Helm). */
  static Rendered render(JsonNode overrides) {
    return new Rendered(renderText(overrides));
  }

  static Rendered render() {
    return render(YAML.createObjectNode());
  }

  /** The raw manifest text; throws IllegalStateException with Helm's message when rendering fails. */
  static String renderText(JsonNode overrides) {
    FakeApiServer.start();
    Path valuesFile = writeTemp(overrides);
    try {
      TemplateCommand template = new Helm(dir()).template()
          .withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION).withValuesFile(valuesFile);
      return template.call();
    } finally {
      deleteQuietly(valuesFile);
    }
  }

  /** Builds an overrides tree from dotted paths, e.g. values("operator.replicas", 2). */
  static ObjectNode values(Object... pathsAndValues) {
    ObjectNode root = YAML.createObjectNode();
    for (int i = 0; i < pathsAndValues.length; i += 2) {
      String[] parts = ((String) pathsAndValues[i]).split("\\.");
      ObjectNode node = root;
      for (int p = 0; p < parts.length - 1; p++) {
        node = node.has(parts[p]) ? (ObjectNode) node.get(parts[p]) : node.putObject(parts[p]);
      }
      node.set(parts[parts.length - 1], YAML.valueToTree(pathsAndValues[i + 1]));
    }
    return root;
  }

  static JsonNode readYaml(Path file) {
    try {
      return YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode readJson(Path file) {
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Splits a multi-document manifest into object trees, dropping empty documents. */
  static List<ObjectNode> parse(String manifest) {
    List<ObjectNode> objects = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(manifest)) {
      for (JsonNode doc : YAML.readValues(parser, JsonNode.class).readAll()) {
        if (doc instanceof ObjectNode object && !object.isEmpty()) {
          objects.add(object);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return objects;
  }

  private static Path writeTemp(JsonNode overrides) {
    try {
      Path file = Files.createTempFile("nucleus-values-", ".yaml");
      YAML.writeValue(file.toFile(), overrides);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // A leftover temp file is harmless; the render result is what matters.
    }
  }

  /** The objects of one render, looked up by kind and name. */
  record Rendered(String text, List<ObjectNode> objects) {
    Rendered(String text) {
      this(text, parse(text));
    }

    List<ObjectNode> ofKind(String kind) {
      return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    ObjectNode get(String kind, String name) {
      return objects.stream()
          .filter(o -> kind.equals(o.path("kind").asText()) && name.equals(o.path("metadata").path("name").asText()))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in " + kinds()));
    }

    List<String> kinds() {
      return objects.stream().map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText()).toList();
    }

    Map<String, Long> countByKind() {
      return objects.stream().collect(java.util.stream.Collectors.groupingBy(o -> o.path("kind").asText(),
          java.util.TreeMap::new, java.util.stream.Collectors.counting()));
    }
  }

  private Chart() {}
}
