package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.NucleusNames;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the agent's Lease {@code nucleus-agent-<node>} fresh in the operator's namespace: creates it, then
 * renews it with a merge patch of renewTime and the capability and load annotations. A fresh Lease is how
 * the operator knows this node is alive; a renewal that fails is counted and retried on the next tick.
 */
final class LeaseKeeper {
  private static final Logger LOG = Logger.getLogger(LeaseKeeper.class.getName());
  /** Kubernetes MicroTime: RFC 3339 with microseconds, always UTC. */
  static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
  private static final Duration NODE_LABELS_REFRESH = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final AgentConfig config;
  private final Supplier<NodeAdvertisement> capabilities;
  private final Supplier<NodeAdvertisement.Load> load;
  private final AgentMetrics metrics;
  private final Clock clock;
  private volatile Instant lastRenewed;
  private Map<String, String> nodeLabels;
  private Instant nodeLabelsReadAt = Instant.EPOCH;

  LeaseKeeper(KubernetesClient client, AgentConfig config, Supplier<NodeAdvertisement> capabilities,
      Supplier<NodeAdvertisement.Load> load, AgentMetrics metrics, Clock clock) {
    this.client = client;
    this.config = config;
    this.capabilities = capabilities;
    this.load = load;
    this.metrics = metrics;
    this.clock = clock;
  }

  String leaseName() {
    return NucleusNames.agentLeaseName(config.nodeName());
  }

  /** When the Lease was last renewed by this process; null before the first success. */
  Instant lastRenewed() {
    return lastRenewed;
  }

  /** One renewal; never throws, so a scheduled executor keeps calling it. */
  void renewQuietly() {
    try {
      renew();
    } catch (RuntimeException e) {
      metrics.leaseRenewFailed();
      LOG.log(Level.WARNING, "renewing Lease " + leaseName() + " failed: " + e.getMessage());
    }
  }

  void renew() {
    Instant now = clock.instant();
    Map<String, String> annotations = capabilities.get().annotations(load.get(), nodeLabels(now));
    var leases = client.leases().inNamespace(config.namespace());
    Lease current = leases.withName(leaseName()).get();
    String renewTime = MICRO_TIME.format(now);
    if (current == null) {
      Lease lease = new LeaseBuilder()
          .withNewMetadata().withName(leaseName()).withNamespace(config.namespace()).withAnnotations(annotations)
          .addToLabels("app.kubernetes.io/name", "nucleus-agent").endMetadata()
          .withNewSpec().withHolderIdentity(config.nodeName())
          .withLeaseDurationSeconds((int) config.leaseDuration().toSeconds())
          .withAcquireTime(now.atZone(ZoneOffset.UTC)).withRenewTime(now.atZone(ZoneOffset.UTC)).endSpec()
          .build();
      leases.resource(lease).create();
    } else {
      leases.withName(leaseName()).patch(PatchContext.of(PatchType.JSON_MERGE), patch(annotations, renewTime));
    }
    lastRenewed = now;
    metrics.leaseRenewed();
  }

  private String patch(Map<String, String> annotations, String renewTime) {
    ObjectNode body = JSON.createObjectNode();
    ObjectNode meta = body.putObject("metadata").putObject("annotations");
    annotations.forEach(meta::put);
    ObjectNode spec = body.putObject("spec");
    spec.put("holderIdentity", config.nodeName());
    spec.put("leaseDurationSeconds", (int) config.leaseDuration().toSeconds());
    spec.put("renewTime", renewTime);
    return body.toString();
  }

  // Node labels change rarely; reading the Node every renewal would double the agent's API traffic.
  private Map<String, String> nodeLabels(Instant now) {
    if (nodeLabels == null || now.isAfter(nodeLabelsReadAt.plus(NODE_LABELS_REFRESH))) {
      try {
        Node node = client.nodes().withName(config.nodeName()).get();
        nodeLabels = node == null || node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
        nodeLabelsReadAt = now;
      } catch (KubernetesClientException e) {
        // Without labels the operator matches no nodeSelector here: fail closed, say why, retry next time.
        LOG.warning("reading Node " + config.nodeName() + " for its labels failed: " + e.getMessage());
        return nodeLabels;
      }
    }
    return nodeLabels;
  }
}
