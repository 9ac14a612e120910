package dev.nucleus.operator.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * JSON merge patches: status patches carry only operator-owned fields (so an agent's concurrent write survives),
 * label patches only the labels that differ. Server-side apply is off (the test server lacks it).
 */
public final class Patches {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Patches() {}

  /**
   * Patches {@code status} with {@code fields}; null values delete a field. Objects and scalars go in a JSON merge
   * patch; the conditions list is then replaced with a JSON Patch {@code add} because the fabric8 test server
   * appends lists in merge patches instead of replacing them (RFC 7386 replaces; a real API server does).
   */
  public static <T extends HasMetadata> void status(KubernetesClient client, T resource, Map<String, Object> fields) {
    Map<String, Object> merge = new HashMap<>(fields);
    Object conditions = merge.remove("conditions");
    if (!merge.isEmpty()) {
      patch(client, resource, Map.of("status", merge), PatchType.JSON_MERGE, true);
    }
    if (conditions != null) {
      Map<String, Object> op = new HashMap<>();
      op.put("op", "add");
      op.put("path", "/status/conditions");
      op.put("value", conditions);
      patch(client, resource, List.of(op), PatchType.JSON, true);
    }
  }

  /** Sets (or, for null values, removes) labels that differ from the resource's current ones. */
  public static <T extends HasMetadata> void labels(KubernetesClient client, T resource, Map<String, String> wanted) {
    Map<String, String> current = resource.getMetadata().getLabels() == null ? Map.of()
        : resource.getMetadata().getLabels();
    Map<String, Object> diff = new HashMap<>();
    wanted.forEach((k, v) -> {
      if (!Objects.equals(current.get(k), v)) {
        diff.put(k, v);
      }
    });
    if (!diff.isEmpty()) {
      patch(client, resource, Map.of("metadata", Map.of("labels", diff)), PatchType.JSON_MERGE, false);
    }
  }

  private static <T extends HasMetadata> void patch(KubernetesClient client, T resource, Object body, PatchType type,
      boolean status) {
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize patch for " + resource.getMetadata().getName(), e);
    }
    var target = client.resource(resource);
    PatchContext context = PatchContext.of(type);
    if (status) {
      target.subresource("status").patch(context, json);
    } else {
      target.patch(context, json);
    }
  }
}
