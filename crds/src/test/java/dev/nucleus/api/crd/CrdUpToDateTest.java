package dev.nucleus.api.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Fails when a committed copy of the CRD YAML no longer matches what the Java types generate. */
class CrdUpToDateTest {
  private static final String FIX = "stale CRD YAML: regenerate both copies with "
      + "`mvn -B -pl crds -am process-classes -Pupdate-crds` and commit them";

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"crds.committed", "crds.helm"})
  void committedCopyMatchesTheJavaTypes(String property) throws IOException {
    Path dir = Path.of(System.getProperty(property, "unset-" + property));
    Map<String, String> generated = CrdYamlGenerator.generate();

    assertThat(generated).as("generated CRDs").containsOnlyKeys(
        "nucleussandboxes.nucleus.dev.yaml", "nucleuscheckpoints.nucleus.dev.yaml");
    for (Map.Entry<String, String> crd : generated.entrySet()) {
      Path committed = dir.resolve(crd.getKey());
      assertThat(committed).as(FIX + " (missing " + committed + ")").isRegularFile();
      assertThat(Files.readString(committed)).as(FIX + " (" + committed + " differs)").isEqualTo(crd.getValue());
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml")))
          .as(FIX + " (a YAML file in " + dir + " belongs to no kind: delete it)")
          .containsExactlyInAnyOrderElementsOf(generated.keySet());
    }
  }
}
