package dev.nucleus.helm;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Validates a manifest against the Kubernetes schema of its kind, using fabric8's typed model classes (generated
 * from the Kubernetes OpenAPI): the kind must be known, every field must exist in the model with the right type.
 * fabric8 parks unknown fields in {@code additionalProperties} instead of failing, so every one of those maps in the
 * object graph must be empty. Required-field rules of the API server are not part of the typed model.
 */
final class StrictKubernetesModel {
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /** Returns the problems found; empty when the object is valid for its kind. */
  static List<String> problems(JsonNode manifest) {
    String id = manifest.path("kind").asText() + "/" + manifest.path("metadata").path("name").asText();
    KubernetesResource typed;
    try {
      typed = SERIALIZATION.unmarshal(manifest.toString(), KubernetesResource.class);
    } catch (RuntimeException e) {
      return List.of(id + ": does not deserialise: " + rootMessage(e));
    }
    if (typed instanceof GenericKubernetesResource || !(typed instanceof HasMetadata)) {
      return List.of(id + ": no typed model for " + manifest.path("apiVersion").asText() + " " + id);
    }
    List<String> problems = new ArrayList<>();
    collectUnknownFields(typed, id, problems, new IdentityHashMap<>());
    return problems;
  }

  private static void collectUnknownFields(Object value, String path, List<String> problems,
      IdentityHashMap<Object, Boolean> seen) {
    if (value == null || seen.put(value, Boolean.TRUE) != null) {
      return;
    }
    if (value instanceof Collection<?> collection) {
      int i = 0;
      for (Object item : collection) {
        collectUnknownFields(item, path + "[" + i++ + "]", problems, seen);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((k, v) -> collectUnknownFields(v, path + "." + k, problems, seen));
      return;
    }
    if (!value.getClass().getName().startsWith("io.fabric8.")) {
      return;
    }
    for (Class<?> type = value.getClass(); type != null && type != Object.class; type = type.getSuperclass()) {
      for (Field field : type.getDeclaredFields()) {
        if (Modifier.isStatic(field.getModifiers())) {
          continue;
        }
        Object fieldValue = read(field, value);
        if (field.getName().equals("additionalProperties") && fieldValue instanceof Map<?, ?> extra) {
          extra.keySet().forEach(key -> problems.add(path + "." + key + ": unknown field"));
        } else {
          collectUnknownFields(fieldValue, path + "." + field.getName(), problems, seen);
        }
      }
    }
  }

  private static Object read(Field field, Object owner) {
    try {
      field.setAccessible(true);
      return field.get(owner);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot read " + field + ": " + e, e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }

  private StrictKubernetesModel() {}
}
