package dev.nucleus.agent.watch;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Store;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The agent's only reads and writes of NucleusSandbox objects: lookups in the informer's cache, status
 * merge patches of agent-owned fields, and the teardown-complete annotation.
 */
final class SandboxApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client;
  private final HttpClient http;
  private final String apiRoot;
  private final long requestTimeoutMillis;
  private final Store<NucleusSandbox> cache;
  private final String nodeName;

  SandboxApi(KubernetesClient client, Store<NucleusSandbox> cache, String nodeName) {
    this.nodeName = nodeName;
    this.client = client;
    this.cache = cache;
    this.http = client.getHttpClient();
    this.apiRoot = RawRequests.server(client) + "/apis/"
        + HasMetadata.getApiVersion(NucleusSandbox.class);
    Integer timeout = client.getConfiguration().getRequestTimeout();
    this.requestTimeoutMillis = timeout == null || timeout <= 0 ? 10_000 : timeout;
  }

  Optional<NucleusSandbox> cached(String objectKey) {
    return Optional.ofNullable(cache.getByKey(objectKey));
  }

  List<NucleusSandbox> all() {
    return cache.list();
  }

  static String objectKey(NucleusSandbox sandbox) {
    return Cache.metaNamespaceKeyFunc(sandbox);
  }

  /**
   * Sends a status merge patch built by {@link StatusPatches}; returns the object's resourceVersion after it, or null
   * when the sandbox was deleted meanwhile (not an error). The answer is the whole object (~5 KiB with its
   * managedFields), of which the agent needs only the resourceVersion: it is read from the bytes with a streaming
   * parser instead of being bound to a typed object (one full decode fewer per write; the informer brings the object).
   */
  String patchStatus(SandboxKey key, String mergePatch) {
    HttpRequest request = http.newHttpRequestBuilder().uri(statusUri(key))
        .method("PATCH", "application/merge-patch+json", mergePatch)
        .timeout(requestTimeoutMillis, TimeUnit.MILLISECONDS).build();
    HttpResponse<byte[]> response = RawRequests.send(http, request, "status patch of " + key);
    if (response.code() == 404) {
      return null;
    }
    if (!response.isSuccessful()) {
      throw RawRequests.refused("status patch of " + key, response);
    }
    byte[] body = RawRequests.body(response);
    return resourceVersion(body);
  }

  /** metadata.resourceVersion of a JSON object, read without binding it; null when it has none. */
  static String resourceVersion(byte[] object) {
    try (JsonParser p = JSON.getFactory().createParser(object)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken value = p.nextToken();
        if (!"metadata".equals(field) || value != JsonToken.START_OBJECT) {
          p.skipChildren();
          continue;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          p.nextToken();
          if ("resourceVersion".equals(name)) {
            return p.currentToken() == JsonToken.VALUE_STRING ? p.getText() : null;
          }
          p.skipChildren();
        }
        return null;
      }
      return null;
    } catch (IOException e) {
      return null; // an unreadable answer leaves the informer's cache in charge (SandboxController.cacheHasLastWrite)
    }
  }

  private String statusUri(SandboxKey key) {
    return apiRoot + "/namespaces/" + key.namespace() + "/" + HasMetadata.getPlural(NucleusSandbox.class) + "/"
        + key.name() + "/status";
  }

  // A bound item saves the GET fabric8 otherwise issues before a patch of a resource named only by name.
  private static NucleusSandbox addressOf(SandboxKey key) {
    NucleusSandbox item = new NucleusSandbox();
    item.getMetadata().setNamespace(key.namespace());
    item.getMetadata().setName(key.name());
    return item;
  }

  /**
   * Tells the operator every trace of the sandbox is gone, so it may release the finalizer. The value is this node's
   * name, so a confirmation from an agent the sandbox was moved away from never counts for its new node.
   */
  void markTeardownComplete(SandboxKey key) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("metadata").putObject("annotations").put(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE, nodeName);
    try {
      client.resources(NucleusSandbox.class).resource(addressOf(key)).patch(PatchContext.of(PatchType.JSON_MERGE), body.toString());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }
}
