package dev.nucleus.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The chart's crds/ is the generated copy of crds/*.yaml at the repository root: same files, same bytes, and each a
 * valid CustomResourceDefinition. (The api module's own test keeps both copies equal to the Java types.)
 */
class CrdCopyTest {
  private static final Path ROOT_CRDS = Chart.repoRoot().resolve("crds");
  private static final Path CHART_CRDS = Chart.dir().resolve("crds");

  @Test
  void chartCrdsAreByteIdenticalToTheCommittedOnes() throws IOException {
    List<String> root = yamlFiles(ROOT_CRDS);
    assertThat(root).containsExactlyInAnyOrder("nucleuscheckpoints.nucleus.dev.yaml", "nucleussandboxes.nucleus.dev.yaml");
    assertThat(yamlFiles(CHART_CRDS)).containsExactlyInAnyOrderElementsOf(root);
    for (String file : root) {
      assertThat(Files.readAllBytes(CHART_CRDS.resolve(file)))
          .as("helm/nucleus/crds/%s differs from crds/%s", file, file)
          .isEqualTo(Files.readAllBytes(ROOT_CRDS.resolve(file)));
    }
  }

  @Test
  void everyChartCrdIsAValidCustomResourceDefinitionOfOurGroup() throws IOException {
    for (String file : yamlFiles(CHART_CRDS)) {
      for (JsonNode crd : Chart.parse(Files.readString(CHART_CRDS.resolve(file)))) {
        assertThat(crd.path("kind").asText()).isEqualTo("CustomResourceDefinition");
        assertThat(crd.at("/spec/group").asText()).isEqualTo("nucleus.dev");
        assertThat(crd.at("/metadata/name").asText() + ".yaml").isEqualTo(file);
        assertThat(StrictKubernetesModel.problems(crd)).as(file).isEmpty();
      }
    }
  }

  private static List<String> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
          .filter(name -> name.endsWith(".yaml") || name.endsWith(".yml")).sorted().toList();
    }
  }
}
