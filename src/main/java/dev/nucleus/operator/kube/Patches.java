package dev.nucleus.operator.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * JSON merge patches: status patches carry only operator-owned fields (so an agent's concurrent write survives),
 * label patches only the labels that differ. A status patch goes to the status subresource, which ignores
 * metadata, so a placement is two writes: the label, then the status.
 */
public final class Patches {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Patches() {}

  /**
   * Patches {@code status} with {@code fields} in one JSON merge patch; null values delete a field. RFC 7386 replaces
   * a list whole, so the conditions list the aggregator computed is what the API server stores.
   */
  public static <T extends HasMetadata> void status(KubernetesClient client, T resource, Map<String, Object> fields) {
    if (!fields.isEmpty()) {
      patch(client, resource, Map.of("status", fields), true);
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
      patch(client, resource, Map.of("metadata", Map.of("labels", diff)), false);
    }
  }

  private static <T extends HasMetadata> void patch(KubernetesClient client, T resource, Object body, boolean status) {
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize patch for " + resource.getMetadata().getName(), e);
    }
    var target = client.resource(resource);
    PatchContext context = PatchContext.of(PatchType.JSON_MERGE);
    if (status) {
      target.subresource("status").patch(context, json);
    } else {
      target.patch(context, json);
    }
  }
}
