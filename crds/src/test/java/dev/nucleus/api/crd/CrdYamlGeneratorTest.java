package dev.nucleus.api.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nucleus.api.testing.CrdCatalog;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generated CRDs carry the names, columns and subresources that kubectl and the operator rely on. */
class CrdYamlGeneratorTest {
  private final CrdCatalog catalog = CrdCatalog.generated();

  @Test
  void sandboxCrdHasNamesStatusAndColumnsInDeclaredOrder() {
    JsonNode crd = catalog.crd("NucleusSandbox");

    assertThat(crd.at("/metadata/name").asText()).isEqualTo("nucleussandboxes.nucleus.dev");
    assertThat(crd.at("/spec/scope").asText()).isEqualTo("Namespaced");
    assertThat(crd.at("/spec/names/shortNames/0").asText()).isEqualTo("nsb");
    assertThat(crd.at("/spec/names/categories/0").asText()).isEqualTo("nucleus");
    assertThat(crd.at("/spec/versions/0/subresources/status").isObject()).isTrue();
    assertThat(columns(crd)).containsExactly("Phase", "Node", "Exit code", "Age", "Reason");
  }

  @Test
  void checkpointCrdHasNamesStatusAndColumnsInDeclaredOrder() {
    JsonNode crd = catalog.crd("NucleusCheckpoint");

    assertThat(crd.at("/metadata/name").asText()).isEqualTo("nucleuscheckpoints.nucleus.dev");
    assertThat(crd.at("/spec/names/shortNames/0").asText()).isEqualTo("nckpt");
    assertThat(crd.at("/spec/names/categories/0").asText()).isEqualTo("nucleus");
    assertThat(crd.at("/spec/versions/0/subresources/status").isObject()).isTrue();
    assertThat(columns(crd)).containsExactly("Phase", "Sandbox", "Node", "Size", "Age");
  }

  @Test
  void everySpecAndStatusFieldIsDescribedForKubectlExplain() {
    for (String kind : List.of("NucleusSandbox", "NucleusCheckpoint")) {
      JsonNode root = catalog.crd(kind).at("/spec/versions/0/schema/openAPIV3Schema/properties");
      List<String> undocumented = new ArrayList<>();
      collectUndocumented(root.get("spec"), kind + ".spec", undocumented);
      collectUndocumented(root.get("status"), kind + ".status", undocumented);
      assertThat(undocumented).as("fields without a description").isEmpty();
    }
  }

  private static void collectUndocumented(JsonNode schema, String path, List<String> out) {
    schema.path("properties").properties().forEach(field -> {
      String child = path + "." + field.getKey();
      // Conditions are the standard Kubernetes type; their fields are documented upstream.
      if (!path.endsWith(".conditions[]") && !field.getValue().hasNonNull("description")) {
        out.add(child);
      }
      collectUndocumented(field.getValue(), child, out);
    });
    if (schema.path("items").isObject()) {
      collectUndocumented(schema.get("items"), path + "[]", out);
    }
  }

  private static List<String> columns(JsonNode crd) {
    List<String> names = new ArrayList<>();
    crd.at("/spec/versions/0/additionalPrinterColumns").forEach(c -> names.add(c.path("name").asText()));
    return names;
  }
}
