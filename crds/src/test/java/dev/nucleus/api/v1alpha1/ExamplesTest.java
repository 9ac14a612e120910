package dev.nucleus.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nucleus.api.testing.CrdCatalog;
import dev.nucleus.api.testing.Manifests;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every manifest in docs/examples is accepted by the generated schema and CEL rules, and maps onto the types. */
class ExamplesTest {
  private static final CrdCatalog CATALOG = CrdCatalog.generated();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static Stream<Path> examples() {
    return Manifests.yamlFiles(Path.of(System.getProperty("nucleus.examples", "unset"))).stream();
  }

  /** Re-parses JSON text so that equal numbers compare equal whether they were read as int or long. */
  private static JsonNode normalized(JsonNode node) throws Exception {
    return Manifests.YAML.readTree(Manifests.YAML.writeValueAsString(node));
  }

  @Test
  void theDocumentedExamplesExist() {
    assertThat(examples().map(p -> p.getFileName().toString())).contains("hello-sandbox.yaml",
        "limited-sandbox.yaml", "landlock-sandbox.yaml", "checkpoint.yaml", "restore-sandbox.yaml");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void exampleIsAcceptedByTheApiServerRules(Path example) {
    List<JsonNode> documents = Manifests.read(example);

    assertThat(documents).as("documents in " + example).isNotEmpty();
    for (JsonNode document : documents) {
      assertThat(CATALOG.validateCreate(document)).as(example + " " + document.at("/metadata/name")).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void exampleDeserializesIntoTheJavaTypesWithoutLosingAField(Path example) throws Exception {
    for (JsonNode document : Manifests.read(example)) {
      HasMetadata typed = SERIALIZATION.convertValue(document, HasMetadata.class);

      assertThat(typed).isInstanceOfAny(NucleusSandbox.class, NucleusCheckpoint.class);
      JsonNode back = SERIALIZATION.convertValue(typed, JsonNode.class);
      assertThat(normalized(back.get("spec"))).as("spec after a round trip through the types")
          .isEqualTo(normalized(document.get("spec")));
    }
  }
}
