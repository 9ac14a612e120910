package dev.nucleus.operator.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * JSON merge patches: status patches carry only operator-owned fields (so an agent's concurrent write survives),
 * label patches only the labels that differ (and the finalizer when it is missing). A status patch goes to the
 * status subresource, which ignores metadata, so a placement is two writes: label and finalizer, then the status.
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
    return metadata(context, resource, wanted, null);
  }

  /**
   * Sets labels as {@link #labels} does and, in the same merge patch, adds {@code finalizer} when the resource lacks
   * it. RFC 7386 replaces the finalizers list whole, so that patch carries the resource's resourceVersion: a list
   * another writer changed meanwhile makes it fail with a conflict (and the pass retry) instead of being lost. The
   * API server refuses a new finalizer on an object being deleted, so a late patch cannot hold one back either.
   */
  public static <T extends HasMetadata> T metadata(Context<T> context, T resource, Map<String, String> wanted,
      String finalizer) {
    Map<String, String> current = resource.getMetadata().getLabels() == null ? Map.of()
        : resource.getMetadata().getLabels();
    Map<String, Object> diff = new HashMap<>();
    wanted.forEach((k, v) -> {
      if (!Objects.equals(current.get(k), v)) {
        diff.put(k, v);
      }
    });
    Map<String, Object> metadata = new HashMap<>();
    if (!diff.isEmpty()) {
      metadata.put("labels", diff);
    }
    if (finalizer != null && !resource.hasFinalizer(finalizer)) {
      List<String> finalizers = new ArrayList<>(resource.getMetadata().getFinalizers() == null ? List.of()
          : resource.getMetadata().getFinalizers());
      finalizers.add(finalizer);
      metadata.put("finalizers", finalizers);
      metadata.put("resourceVersion", resource.getMetadata().getResourceVersion());
    }
    if (metadata.isEmpty()) {
      return resource;
    }
    return remember(context, resource, patch(context.getClient(), resource, Map.of("metadata", metadata), false));
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
