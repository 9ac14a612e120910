package dev.nucleus.api.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Validates objects of one kind the way the API server does on create and update, because the mock API server
 * used in tests validates nothing: apply schema defaults, check the OpenAPI schema with unknown fields refused
 * (kubectl's default strict field validation), then evaluate every {@code x-kubernetes-validations} rule found
 * in the generated CRD at the node it guards. CEL errors read exactly like kube-apiserver v1.35's ({@code spec.rootfs:
 * Invalid value: set exactly one of ...}); schema errors use the validator library's wording.
 */
public final class ApiServerValidator {
  private final String apiVersion;
  private final String kind;
  private final JsonNode schema;
  private final JsonSchema strictSchema;

  /** A validator for the (single) version of the given CustomResourceDefinition. */
  public ApiServerValidator(JsonNode crd) {
    JsonNode version = crd.at("/spec/versions/0");
    this.apiVersion = crd.at("/spec/group").asText() + "/" + version.path("name").asText();
    this.kind = crd.at("/spec/names/kind").asText();
    this.schema = version.at("/schema/openAPIV3Schema");
    ObjectNode strict = schema.deepCopy();
    // The generated schema leaves out the fields every object has; the API server validates them itself.
    ObjectNode properties = strict.withObjectProperty("properties");
    properties.putObject("apiVersion").put("type", "string");
    properties.putObject("kind").put("type", "string");
    properties.putObject("metadata").put("type", "object");
    refuseUnknownFields(strict);
    this.strictSchema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(strict);
  }

  /** The openAPIV3Schema of the kind. */
  public JsonNode schema() {
    return schema;
  }

  /** Errors of creating this object; empty when the API server would accept it. */
  public List<String> validateCreate(JsonNode object) {
    return validate(null, object);
  }

  /** Errors of replacing {@code oldObject} by {@code newObject}; transition rules see both. */
  public List<String> validateUpdate(JsonNode oldObject, JsonNode newObject) {
    return validate(withDefaults(oldObject), newObject);
  }

  /** A copy of the object with the schema's defaults applied, as the API server stores it. */
  public JsonNode withDefaults(JsonNode object) {
    JsonNode copy = object.deepCopy();
    applyDefaults(schema, copy);
    return copy;
  }

  private List<String> validate(JsonNode oldObject, JsonNode object) {
    List<String> errors = new ArrayList<>();
    if (!apiVersion.equals(object.path("apiVersion").asText()) || !kind.equals(object.path("kind").asText())) {
      errors.add("expected apiVersion " + apiVersion + " and kind " + kind + ", got "
          + object.path("apiVersion").asText() + " " + object.path("kind").asText());
      return errors;
    }
    JsonNode defaulted = withDefaults(object);
    for (ValidationMessage message : strictSchema.validate(defaulted)) {
      errors.add(message.getMessage());
    }
    checkRules(schema, defaulted, oldObject, "", errors);
    return errors;
  }

  private static void checkRules(JsonNode schema, JsonNode value, JsonNode old, String path, List<String> errors) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      String expression = rule.path("rule").asText();
      boolean transition = CelRules.isTransitionRule(expression);
      if (transition && (old == null || old.isMissingNode() || old.isNull())) {
        continue;
      }
      try {
        if (!CelRules.evaluate(expression, schema, value, transition ? old : null)) {
          String message = rule.hasNonNull("message") ? rule.get("message").asText() : "failed rule: " + expression;
          errors.add(path + ": Invalid value: " + shown(value) + message);
        }
      } catch (IllegalStateException e) {
        errors.add(path + ": Invalid value: " + shown(value) + e.getMessage());
      }
    }
    if (value.isObject()) {
      JsonNode properties = schema.path("properties");
      JsonNode additional = schema.path("additionalProperties");
      for (Map.Entry<String, JsonNode> field : value.properties()) {
        JsonNode fieldSchema = properties.has(field.getKey()) ? properties.get(field.getKey()) : additional;
        if (fieldSchema.isObject()) {
          JsonNode oldField = old == null ? null : old.get(field.getKey());
          String childPath = properties.has(field.getKey())
              ? (path.isEmpty() ? field.getKey() : path + "." + field.getKey())
              : path + "[" + field.getKey() + "]";
          checkRules(fieldSchema, field.getValue(), oldField, childPath, errors);
        }
      }
    } else if (value.isArray() && schema.path("items").isObject()) {
      // Old items are only correlated for map lists; Nucleus has no transition rule below a list.
      for (int i = 0; i < value.size(); i++) {
        checkRules(schema.get("items"), value.get(i), null, path + "[" + i + "]", errors);
      }
    }
  }

  /** The API server (v1.35) quotes a scalar value before a rule's message, but not an object or list. */
  private static String shown(JsonNode value) {
    return value.isContainerNode() ? "" : value + ": ";
  }

  /** Structural defaulting: fill in missing fields that declare a default, below every present object. */
  private static void applyDefaults(JsonNode schema, JsonNode value) {
    if (value instanceof ObjectNode object) {
      JsonNode properties = schema.path("properties");
      for (Map.Entry<String, JsonNode> property : properties.properties()) {
        if (!object.has(property.getKey()) && property.getValue().has("default")) {
          object.set(property.getKey(), property.getValue().get("default").deepCopy());
        }
        if (object.has(property.getKey())) {
          applyDefaults(property.getValue(), object.get(property.getKey()));
        }
      }
    } else if (value != null && value.isArray() && schema.path("items").isObject()) {
      value.forEach(item -> applyDefaults(schema.get("items"), item));
    }
  }

  /** Marks every object with declared properties closed, mirroring strict field validation. */
  private static void refuseUnknownFields(JsonNode schema) {
    if (!(schema instanceof ObjectNode node)) {
      return;
    }
    if (node.has("properties") && !node.has("additionalProperties")
        && !node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      node.put("additionalProperties", false);
    }
    node.path("properties").forEach(ApiServerValidator::refuseUnknownFields);
    refuseUnknownFields(node.path("items"));
    refuseUnknownFields(node.path("additionalProperties"));
  }
}
