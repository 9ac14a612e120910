package dev.nucleus.operator.sandbox;

import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.operator.config.OperatorConfig;
import dev.nucleus.operator.events.EventRecorder;
import dev.nucleus.operator.events.TransitionEvents;
import dev.nucleus.operator.kube.Patches;
import dev.nucleus.operator.model.AgentNode;
import dev.nucleus.operator.model.NodeReservations;
import dev.nucleus.operator.model.SandboxLifecycle;
import dev.nucleus.operator.model.SandboxObservation;
import dev.nucleus.operator.model.SandboxStatusAggregator;
import dev.nucleus.operator.kube.Caches;
import dev.nucleus.operator.placement.AgentDirectory;
import io.javaoperatorsdk.operator.api.config.informer.Informer;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnAddFilter;
import io.javaoperatorsdk.operator.processing.event.source.filter.OnUpdateFilter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The deletion half of NucleusSandbox: holds finalizer {@code nucleus.dev/teardown} on a deleted sandbox until its
 * node's agent confirms the teardown or the node is lost. A controller of its own because the placing controller
 * adds the finalizer in its label patch (one write instead of JOSDK's separate one), and a JOSDK controller that owns
 * its finalizer is not called for deleted objects unless JOSDK's all-events mode is on, which quarkus-operator-sdk
 * 7.7.3 does not pass on. This one sees only objects being deleted and the placement that added the finalizer, so
 * JOSDK never adds the finalizer here: it only removes it, when {@link #cleanup} says so.
 */
@ControllerConfiguration(name = "nucleussandbox-teardown", finalizerName = NucleusNames.TEARDOWN_FINALIZER,
    generationAwareEventProcessing = false,
    informer = @Informer(onAddFilter = SandboxTeardownReconciler.Deleting.class,
        onUpdateFilter = SandboxTeardownReconciler.DeletingOrPlaced.class))
public class SandboxTeardownReconciler implements Reconciler<NucleusSandbox>, Cleaner<NucleusSandbox> {
  private final OperatorConfig config;
  private final EventRecorder events;
  private final NodeReservations reservations;
  private final Clock clock;
  private AgentDirectory<NucleusSandbox> agents;

  public SandboxTeardownReconciler(OperatorConfig config, EventRecorder events, NodeReservations reservations,
      Clock clock) {
    this.config = config;
    this.events = events;
    this.reservations = reservations;
    this.clock = clock;
  }

  /** Passes only sandboxes being deleted: the only ones this controller has anything to do with. */
  public static final class Deleting implements OnAddFilter<NucleusSandbox> {
    @Override
    public boolean accept(NucleusSandbox sandbox) {
      return sandbox.isMarkedForDeletion();
    }
  }

  /**
   * As {@link Deleting}, for updates; also the update that adds the finalizer (the placement). JOSDK keeps a state
   * per namespace/name, and when the DELETE event of an earlier object of that name races the response to its own
   * finalizer removal, that state can stay "deletion processed": JOSDK then skips every later deletion event for the
   * name until an event of a live object resets it (seen end to end: a sandbox re-created under a deleted one's name
   * kept its finalizer). Passing the placement, a no-op pass here, is that reset.
   */
  public static final class DeletingOrPlaced implements OnUpdateFilter<NucleusSandbox> {
    @Override
    public boolean accept(NucleusSandbox now, NucleusSandbox before) {
      return now.isMarkedForDeletion() || (now.hasFinalizer(NucleusNames.TEARDOWN_FINALIZER)
          && (before == null || !before.hasFinalizer(NucleusNames.TEARDOWN_FINALIZER)));
    }
  }

  @Override
  public List<EventSource<?, NucleusSandbox>> prepareEventSources(EventSourceContext<NucleusSandbox> context) {
    // A Lease that changes or disappears wakes the deleted sandboxes of its node (a gone agent confirms nothing).
    agents = AgentDirectory.create(context, config.namespace(), clock, node -> context.getPrimaryCache()
        .list(sb -> sb.isMarkedForDeletion() && node.equals(teardownNode(sb)))
        .map(ResourceID::fromResource).collect(Collectors.toSet()));
    return List.of(agents.eventSource());
  }

  /**
   * Reached for a sandbox not being deleted only by the placement update ({@link DeletingOrPlaced}): the finalizer is
   * already there, so JOSDK writes nothing and neither does this.
   */
  @Override
  public UpdateControl<NucleusSandbox> reconcile(NucleusSandbox sandbox, Context<NucleusSandbox> context) {
    return UpdateControl.noUpdate();
  }

  @Override
  public DeleteControl cleanup(NucleusSandbox sandbox, Context<NucleusSandbox> context) {
    if (!Caches.synced(agents.eventSource())) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Caches.UNSYNCED_RETRY.toMillis());
    }
    reservations.release(sandbox.getMetadata().getUid());
    String node = teardownNode(sandbox);
    Optional<AgentNode> agent = node == null ? Optional.empty() : agents.agent(node);
    Instant now = clock.instant();
    if (SandboxLifecycle.teardownConfirmed(sandbox.getMetadata(), node)
        || agent.map(a -> a.isLostPastGrace(now, config.leaseGracePeriod())).orElse(true)) {
      events.normal(sandbox, Reasons.FINALIZED, node == null ? "never placed: nothing to tear down"
          : "teardown on node " + node + " complete or node lost; removing finalizer");
      return DeleteControl.defaultDelete();
    }
    var status = sandbox.getStatus();
    Long generation = sandbox.getMetadata().getGeneration();
    var observation = new SandboxObservation(generation == null ? 0 : generation, true, List.of(),
        status == null ? null : status.getNodeName(), null, null, false);
    var update = SandboxStatusAggregator.aggregate(status, observation, now);
    if (update.changed()) {
      Patches.status(context, sandbox, update.mergePatch());
      TransitionEvents.emit(events, sandbox, update.transitions());
    }
    Duration untilLost = Duration.between(now, agent.get().lostAt(config.leaseGracePeriod())).plusSeconds(1);
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(Math.max(1000, untilLost.toMillis()));
  }

  /**
   * The node whose agent must confirm: the label agents select on, else {@code status.nodeName}. The label is
   * written first, so a sandbox deleted between its label and its status patch still waits for that node's agent.
   */
  static String teardownNode(NucleusSandbox sandbox) {
    var labels = sandbox.getMetadata().getLabels();
    String labelled = labels == null ? null : labels.get(NucleusNames.NODE_LABEL);
    if (labelled != null) {
      return labelled;
    }
    return sandbox.getStatus() == null ? null : sandbox.getStatus().getNodeName();
  }
}
