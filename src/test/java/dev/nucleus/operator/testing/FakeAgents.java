package dev.nucleus.operator.testing;

import dev.nucleus.api.v1alpha1.NucleusNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * Node agents reduced to what the operator sees of them: a Lease renewed in the operator namespace with capability
 * annotations, and merge patches on the objects they run. Stopping the renewals of a node simulates losing it.
 */
public final class FakeAgents implements AutoCloseable {
  public static final String NAMESPACE = "nucleus-system";
  public static final int LEASE_SECONDS = 4;

  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX").withZone(ZoneOffset.UTC);

  private final KubernetesClient client;
  private final int leaseSeconds;
  private final Set<String> renewing = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor();

  /** Agents with short Leases renewed often, so the tests see node loss within seconds. */
  public FakeAgents(KubernetesClient client) {
    this(client, LEASE_SECONDS, Duration.ofMillis(300));
  }

  /** Agents whose Leases last {@code leaseSeconds} and are renewed every {@code renewEvery} (a real agent's pace). */
  public FakeAgents(KubernetesClient client, int leaseSeconds, Duration renewEvery) {
    this.client = client;
    this.leaseSeconds = leaseSeconds;
    renewer.scheduleAtFixedRate(this::renewAll, renewEvery.toMillis(), renewEvery.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Annotations an agent would write for a node with these capabilities and load. */
  public static Map<String, String> capabilities(int landlockAbi, boolean criu, long committedBytes, String labelsJson) {
    Map<String, String> a = new HashMap<>();
    a.put(NucleusNames.ANNOTATION_LANDLOCK_ABI, Integer.toString(landlockAbi));
    a.put(NucleusNames.ANNOTATION_CGROUP_MODE, "hybrid");
    a.put(NucleusNames.ANNOTATION_CRIU_USABLE, Boolean.toString(criu));
    a.put(NucleusNames.ANNOTATION_RUNSC_USABLE, "false");
    a.put(NucleusNames.ANNOTATION_TIME_NAMESPACES, "true");
    a.put(NucleusNames.ANNOTATION_KERNEL, "6.18.0");
    a.put(NucleusNames.ANNOTATION_SANDBOXES_RUNNING, "0");
    a.put(NucleusNames.ANNOTATION_MEMORY_COMMITTED_BYTES, Long.toString(committedBytes));
    a.put(NucleusNames.ANNOTATION_MEMORY_ALLOCATABLE_BYTES, Long.toString(16L << 30));
    a.put(NucleusNames.ANNOTATION_NODE_LABELS, labelsJson);
    return a;
  }

  /** Starts an agent on {@code node}: creates its Lease and keeps renewing it. */
  public void start(String node, Map<String, String> annotations) {
    Lease lease = new LeaseBuilder()
        .withNewMetadata().withName(NucleusNames.agentLeaseName(node)).withNamespace(NAMESPACE)
        .withAnnotations(annotations).endMetadata()
        .withNewSpec().withHolderIdentity(node).withLeaseDurationSeconds(leaseSeconds)
        .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC)).endSpec()
        .build();
    client.resource(lease).createOr(existing -> existing.update());
    renewing.add(node);
  }

  /** The agent dies: its Lease stays but is no longer renewed. */
  public void stop(String node) {
    renewing.remove(node);
  }

  /** Forgets every agent and deletes every Lease. */
  public void reset() {
    renewing.clear();
    client.leases().inNamespace(NAMESPACE).delete();
  }

  /**
   * Ends a test on a real API server: every agent dies and its Lease goes, so nobody is left to confirm a teardown
   * and the operator releases its finalizers; returns once the objects of {@code kinds} in {@code namespace} are gone.
   */
  public void deleteEverything(String namespace, List<Class<? extends HasMetadata>> kinds) {
    close();
    reset();
    for (var kind : kinds) {
      client.resources(kind).inNamespace(namespace).delete();
    }
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> kinds.stream()
        .allMatch(kind -> client.resources(kind).inNamespace(namespace).list().getItems().isEmpty()));
  }

  /** Merge-patches the status of {@code resource} as an agent would. */
  public void reportStatus(HasMetadata resource, String statusJson) {
    client.resource(resource).subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":" + statusJson + "}");
  }

  /** Confirms teardown of {@code resource} on {@code node}: the handshake the finalizer waits for. */
  public void confirmTeardown(HasMetadata resource, String node) {
    client.resource(resource).patch(PatchContext.of(PatchType.JSON_MERGE),
        "{\"metadata\":{\"annotations\":{\"" + NucleusNames.ANNOTATION_TEARDOWN_COMPLETE + "\":\"" + node + "\"}}}");
  }

  /** One merge patch per renewal, as a lean agent would send it. */
  private void renewAll() {
    String patch = "{\"spec\":{\"renewTime\":\"" + MICRO_TIME.format(Instant.now()) + "\"}}";
    for (String node : renewing) {
      try {
        client.leases().inNamespace(NAMESPACE).withName(NucleusNames.agentLeaseName(node))
            .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
      } catch (RuntimeException e) {
        // a Lease deleted by reset() between the check and the patch
      }
    }
  }

  @Override
  public void close() {
    renewer.shutdownNow();
  }
}
