package dev.nucleus.agent.watch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Store;
import java.util.List;
import java.util.Optional;

/**
 * The agent's only reads and writes of NucleusSandbox objects: lookups in the informer's cache, status
 * merge patches of agent-owned fields, and the teardown-complete annotation.
 */
final class SandboxApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client;
  private final Store<NucleusSandbox> cache;
  private final String nodeName;

  SandboxApi(KubernetesClient client, Store<NucleusSandbox> cache, String nodeName) {
    this.nodeName = nodeName;
    this.client = client;
    this.cache = cache;
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
   * when the sandbox was deleted meanwhile (not an error).
   */
  String patchStatus(SandboxKey key, String mergePatch) {
    try {
      NucleusSandbox patched = client.resources(NucleusSandbox.class).resource(addressOf(key)).subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch);
      return patched == null ? null : patched.getMetadata().getResourceVersion();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      return null;
    }
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
