package dev.nucleus.operator.placement;

import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.operator.model.AgentNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The node agents as their Leases in the operator namespace show them, read from an informer cache that also
 * wakes the owning controller when an agent appears, changes what it advertises, or comes back after expiring.
 * Plain renewals do not wake anything: node loss is found by the requeue each placed object schedules.
 */
public final class AgentDirectory<P extends HasMetadata> {
  private final InformerEventSource<Lease, P> leases;
  private final String namespace;
  private final LeaseWatch watch;

  private AgentDirectory(InformerEventSource<Lease, P> leases, String namespace, LeaseWatch watch) {
    this.leases = leases;
    this.namespace = namespace;
    this.watch = watch;
  }

  /** Builds the Lease event source for a controller; {@code affected} maps a Lease's node to primaries to wake. */
  public static <P extends HasMetadata> AgentDirectory<P> create(EventSourceContext<P> context, String namespace,
      Clock clock, Function<String, Set<ResourceID>> affected) {
    var config = InformerEventSourceConfiguration.from(Lease.class, context.getPrimaryResourceClass())
        .withName("agent-leases")
        .withNamespaces(Set.of(namespace))
        .withSecondaryToPrimaryMapper(lease -> AgentNode.nodeNameOf(lease.getMetadata().getName())
            .map(affected).orElse(Set.of()))
        .withOnUpdateFilter((now, before) -> mattersForPlacement(before, now, clock))
        .build();
    KubernetesClient client = context.getClient();
    return new AgentDirectory<>(new InformerEventSource<>(config, context), namespace,
        LeaseWatch.of(client, namespace, clock));
  }

  /** The event source to register with the controller. */
  public InformerEventSource<Lease, P> eventSource() {
    return leases;
  }

  /** Every agent, keyed by node name, judged from when this operator could watch (see {@link LeaseWatch}). */
  public Map<String, AgentNode> agents() {
    Instant since = watch.since();
    return leases.list(namespace, l -> true)
        .map(AgentNode::fromLease).flatMap(Optional::stream).map(a -> a.watchedSince(since))
        .collect(Collectors.toMap(AgentNode::nodeName, a -> a, (a, b) -> a));
  }

  /** The agent of {@code node}, if it has a Lease, judged from when this operator could watch. */
  public Optional<AgentNode> agent(String node) {
    Instant since = watch.since();
    return leases.get(new ResourceID(NucleusNames.agentLeaseName(node), namespace)).flatMap(AgentNode::fromLease)
        .map(a -> a.watchedSince(since));
  }

  /** A renewal alone changes nothing; new capabilities or load, or an agent that was stale, do. */
  static boolean mattersForPlacement(Lease before, Lease now, Clock clock) {
    if (!Objects.equals(before.getMetadata().getAnnotations(), now.getMetadata().getAnnotations())) {
      return true;
    }
    return AgentNode.fromLease(before).map(a -> !a.isFresh(clock.instant())).orElse(true);
  }
}
