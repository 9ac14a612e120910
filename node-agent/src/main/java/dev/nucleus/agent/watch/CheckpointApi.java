package dev.nucleus.agent.watch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusNames;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.Store;
import java.util.Optional;

/**
 * The agent's only reads and writes of NucleusCheckpoint objects: the informer's cache (checkpoints placed on this
 * node), a direct read for a restore's source, status merge patches and the teardown-complete annotation.
 */
final class CheckpointApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient client;
  private final Store<NucleusCheckpoint> cache;
  private final String nodeName;

  CheckpointApi(KubernetesClient client, Store<NucleusCheckpoint> cache, String nodeName) {
    this.client = client;
    this.cache = cache;
    this.nodeName = nodeName;
  }

  Optional<NucleusCheckpoint> cached(String objectKey) {
    return Optional.ofNullable(cache.getByKey(objectKey));
  }

  /** A restore's source: from the cache when it is placed here, else read once from the API server. */
  Optional<NucleusCheckpoint> lookup(String namespace, String name) {
    Optional<NucleusCheckpoint> cachedOne = cached(namespace + "/" + name);
    if (cachedOne.isPresent()) {
      return cachedOne;
    }
    return Optional.ofNullable(client.resources(NucleusCheckpoint.class).inNamespace(namespace).withName(name).get());
  }

  static String objectKey(NucleusCheckpoint checkpoint) {
    return Cache.metaNamespaceKeyFunc(checkpoint);
  }

  /** Sends a status merge patch; a checkpoint deleted meanwhile is not an error. */
  void patchStatus(SandboxKey key, String mergePatch) {
    try {
      client.resources(NucleusCheckpoint.class).resource(addressOf(key)).subresource("status")
          .patch(PatchContext.of(PatchType.JSON_MERGE), mergePatch);
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  /** Tells the operator the image directory is gone, so it may release the checkpoint-cleanup finalizer. */
  void markTeardownComplete(SandboxKey key) {
    ObjectNode body = JSON.createObjectNode();
    body.putObject("metadata").putObject("annotations").put(NucleusNames.ANNOTATION_TEARDOWN_COMPLETE, nodeName);
    try {
      client.resources(NucleusCheckpoint.class).resource(addressOf(key))
          .patch(PatchContext.of(PatchType.JSON_MERGE), body.toString());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }

  private static NucleusCheckpoint addressOf(SandboxKey key) {
    NucleusCheckpoint item = new NucleusCheckpoint();
    item.getMetadata().setNamespace(key.namespace());
    item.getMetadata().setName(key.name());
    return item;
  }
}
