package dev.nucleus.api.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nucleus.api.crd.CrdYamlGenerator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Nucleus CRDs as the API server would hold them, freshly generated from the Java types, with a validator
 * per kind. Tests of other modules use it to check the objects they build against the real schema and CEL rules.
 */
public final class CrdCatalog {
  private final Map<String, JsonNode> crdsByKind = new LinkedHashMap<>();
  private final Map<String, ApiServerValidator> validators = new LinkedHashMap<>();

  private CrdCatalog() {}

  private static CrdCatalog generated;

  /** The CRDs generated from the Java types in memory (the same text that is committed), built once. */
  public static synchronized CrdCatalog generated() {
    if (generated == null) {
      generated = generate();
    }
    return generated;
  }

  private static CrdCatalog generate() {
    CrdCatalog catalog = new CrdCatalog();
    for (String yaml : CrdYamlGenerator.generate().values()) {
      JsonNode crd = Manifests.parse(yaml).get(0);
      String kind = crd.at("/spec/names/kind").asText();
      catalog.crdsByKind.put(kind, crd);
      catalog.validators.put(kind, new ApiServerValidator(crd));
    }
    return catalog;
  }

  /** The CustomResourceDefinition of a kind. */
  public JsonNode crd(String kind) {
    JsonNode crd = crdsByKind.get(kind);
    if (crd == null) {
      throw new IllegalArgumentException("no CRD for kind " + kind + "; known: " + crdsByKind.keySet());
    }
    return crd;
  }

  /** The validator of a kind. */
  public ApiServerValidator validator(String kind) {
    crd(kind);
    return validators.get(kind);
  }

  /** Validates an object on create, picking the validator by its {@code kind}. */
  public List<String> validateCreate(JsonNode object) {
    return validator(object.path("kind").asText()).validateCreate(object);
  }

  /** Validates an update of an object, picking the validator by the new object's {@code kind}. */
  public List<String> validateUpdate(JsonNode oldObject, JsonNode newObject) {
    return validator(newObject.path("kind").asText()).validateUpdate(oldObject, newObject);
  }
}
