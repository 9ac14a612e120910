package dev.nucleus.operator.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
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
  public static <T extends HasMetadata> T status(Context<T> context, T resource, Map<String, Object> fields) {
    if (fields.isEmpty()) {
      return resource;
    }
    return remember(context, resource, patch(context.getClient(), resource, Map.of("status", fields), true));
  }

  /** Sets (or, for null values, removes) labels that differ from the resource's current ones. */
  public static <T extends HasMetadata> T labels(Context<T> context, T resource, Map<String, String> wanted) {
    Map<String, String> current = resource.getMetadata().getLabels() == null ? Map.of()
        : resource.getMetadata().getLabels();
    Map<String, Object> diff = new HashMap<>();
    wanted.forEach((k, v) -> {
      if (!Objects.equals(current.get(k), v)) {
        diff.put(k, v);
      }
    });
    if (diff.isEmpty()) {
      return resource;
    }
    return remember(context, resource, patch(context.getClient(), resource, Map.of("metadata", Map.of("labels", diff)),
        false));
  }

  /**
   * Hands the server's answer to JOSDK's cache of the primary resource, so the next pass reads what this one wrote
   * instead of an informer copy that may not have seen the write yet (and, say, places the sandbox a second time).
   */
  private static <T extends HasMetadata> T remember(Context<T> context, T before, T after) {
    context.eventSourceRetriever().getControllerEventSource()
        .handleRecentResourceUpdate(ResourceID.fromResource(before), after, before);
    return after;
  }

  private static <T extends HasMetadata> T patch(KubernetesClient client, T resource, Object body, boolean status) {
    String json;
    try {
      json = JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize patch for " + resource.getMetadata().getName(), e);
    }
    var target = client.resource(resource);
    PatchContext context = PatchContext.of(PatchType.JSON_MERGE);
    return status ? target.subresource("status").patch(context, json) : target.patch(context, json);
  }
}
