package dev.nucleus.operator.checkpoint;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.ConditionTypes;
import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.operator.config.OperatorConfig;
import dev.nucleus.operator.events.EventRecorder;
import dev.nucleus.operator.events.TransitionEvents;
import dev.nucleus.operator.kube.Patches;
import dev.nucleus.operator.metrics.OperatorMetrics;
import dev.nucleus.operator.model.AgentNode;
import dev.nucleus.operator.model.Backoff;
import dev.nucleus.operator.model.CheckpointObservation;
import dev.nucleus.operator.model.CheckpointObservation.TargetCheck;
import dev.nucleus.operator.model.CheckpointStatusAggregator;
import dev.nucleus.operator.model.Conditions;
import dev.nucleus.operator.model.SandboxLifecycle;
import dev.nucleus.operator.kube.Caches;
import dev.nucleus.operator.placement.AgentDirectory;
import io.fabric8.kubernetes.api.model.Condition;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Reconciles NucleusCheckpoint like Flink's snapshot resource: admit it onto the sandbox's node, let the agent dump,
 * retry failed attempts with exponential backoff up to backoffLimit, never touch a terminal one again except for
 * its TTL, and hold a finalizer until the agent has deleted the image directory.
 */
@ControllerConfiguration(name = "nucleuscheckpoint", finalizerName = NucleusNames.CHECKPOINT_FINALIZER,
    generationAwareEventProcessing = false)
public class NucleusCheckpointReconciler implements Reconciler<NucleusCheckpoint>, Cleaner<NucleusCheckpoint> {
  private static final int DEFAULT_BACKOFF_LIMIT = 3;

  private final OperatorConfig config;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private AgentDirectory<NucleusCheckpoint> agents;
  private InformerEventSource<NucleusSandbox, NucleusCheckpoint> sandboxes;

  public NucleusCheckpointReconciler(OperatorConfig config, EventRecorder events, OperatorMetrics metrics,
      Clock clock) {
    this.config = config;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, NucleusCheckpoint>> prepareEventSources(EventSourceContext<NucleusCheckpoint> context) {
    agents = AgentDirectory.create(context, config.namespace(), clock,
        node -> context.getPrimaryCache().list(ck -> !CheckpointStatusAggregator.terminal(ck.getStatus()))
            .map(ResourceID::fromResource).collect(Collectors.toSet()));
    var targets = InformerEventSourceConfiguration.from(NucleusSandbox.class, NucleusCheckpoint.class)
        .withName("checkpoint-targets")
        .withSecondaryToPrimaryMapper(sb -> context.getPrimaryCache().list(sb.getMetadata().getNamespace(),
                ck -> ck.getSpec() != null && ck.getSpec().getSandboxRef() != null
                    && sb.getMetadata().getName().equals(ck.getSpec().getSandboxRef().getName()))
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .build();
    sandboxes = new InformerEventSource<>(targets, context);
    return List.of(agents.eventSource(), sandboxes);
  }

  @Override
  public UpdateControl<NucleusCheckpoint> reconcile(NucleusCheckpoint checkpoint, Context<NucleusCheckpoint> ctx) {
    if (!Caches.synced(agents.eventSource(), sandboxes)) {
      return UpdateControl.<NucleusCheckpoint>noUpdate().rescheduleAfter(Caches.UNSYNCED_RETRY.toMillis());
    }
    Instant now = clock.instant();
    NucleusCheckpointStatus status = checkpoint.getStatus();
    Optional<Instant> expiry = ttlExpiry(checkpoint);
    if (expiry.isPresent() && !now.isBefore(expiry.get())) {
      events.normal(checkpoint, Reasons.TTL_EXPIRED, "ttlSecondsAfterCompletion passed: deleting");
      ctx.getClient().resource(checkpoint).delete();
      return UpdateControl.noUpdate();
    }
    var result = CheckpointStatusAggregator.aggregate(status, observe(checkpoint, now), backoff(), now);
    var update = result.update();
    var after = update.status();
    Map<String, String> labels = new HashMap<>();
    labels.put(NucleusNames.PHASE_LABEL, after.getPhase() == null ? null : after.getPhase().name());
    if (after.getNodeName() != null) {
      labels.put(NucleusNames.NODE_LABEL, after.getNodeName());
    }
    var latest = Patches.labels(ctx, checkpoint, labels);
    if (update.changed()) {
      Patches.status(ctx, latest, update.mergePatch());
      TransitionEvents.emit(events, checkpoint, update.transitions());
      if (update.transitions().stream().anyMatch(c -> ConditionTypes.COMPLETED.equals(c.getType())
          && ConditionTypes.TRUE.equals(c.getStatus()))) {
        metrics.checkpointCompleted(after.getDurationMillis(), after.getSizeBytes());
      }
    }
    Optional<Duration> requeue = result.retryIn();
    if (result.waiting()) {
      requeue = Optional.of(SandboxLifecycle.backoffSince(after.getConditions(), ConditionTypes.READY, now,
          config.requeueBackoff()));
    } else if (!CheckpointStatusAggregator.terminal(after) && after.getNodeName() != null && requeue.isEmpty()) {
      requeue = agents.agent(after.getNodeName()).map(a -> Duration.between(now, a.lostAt(config.leaseGracePeriod())))
          .map(d -> d.plusSeconds(1));
    }
    Optional<Instant> ttl = ttlExpiry(checkpoint.getSpec().getTtlSecondsAfterCompletion(), after);
    if (ttl.isPresent()) {
      requeue = Optional.of(Duration.between(now, ttl.get()).plusMillis(100));
    }
    UpdateControl<NucleusCheckpoint> control = UpdateControl.noUpdate();
    return requeue.map(d -> control.rescheduleAfter(Math.max(100, d.toMillis()))).orElse(control);
  }

  @Override
  public DeleteControl cleanup(NucleusCheckpoint checkpoint, Context<NucleusCheckpoint> context) {
    if (!Caches.synced(agents.eventSource(), sandboxes)) {
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Caches.UNSYNCED_RETRY.toMillis());
    }
    String node = checkpoint.getStatus() == null ? null : checkpoint.getStatus().getNodeName();
    Optional<AgentNode> agent = node == null ? Optional.empty() : agents.agent(node);
    Instant now = clock.instant();
    if (SandboxLifecycle.teardownConfirmed(checkpoint.getMetadata(), node)
        || agent.map(a -> a.isLostPastGrace(now, config.leaseGracePeriod())).orElse(true)) {
      events.normal(checkpoint, Reasons.FINALIZED, node == null ? "never placed: no image to delete"
          : "image on node " + node + " deleted or node lost; removing finalizer");
      return DeleteControl.defaultDelete();
    }
    Duration untilLost = Duration.between(now, agent.get().lostAt(config.leaseGracePeriod())).plusSeconds(1);
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(Math.max(1000, untilLost.toMillis()));
  }

  private CheckpointObservation observe(NucleusCheckpoint checkpoint, Instant now) {
    var status = checkpoint.getStatus();
    String name = checkpoint.getSpec().getSandboxRef().getName();
    Optional<NucleusSandbox> sandbox = sandboxes.get(new ResourceID(name, checkpoint.getMetadata().getNamespace()));
    String sandboxNode = sandbox.map(NucleusSandbox::getStatus).map(s -> s.getNodeName()).orElse(null);
    TargetCheck target = CheckpointTargets.check(name, sandbox,
        sandboxNode == null ? Optional.empty() : agents.agent(sandboxNode), now);
    String lost = null;
    String node = status == null ? null : status.getNodeName();
    if (node != null && agents.agent(node).map(a -> a.isLostPastGrace(now, config.leaseGracePeriod())).orElse(true)) {
      lost = "the agent on node " + node + " was lost during the checkpoint";
    }
    Integer limit = checkpoint.getSpec().getBackoffLimit();
    return new CheckpointObservation(generation(checkpoint), target, lost, limit == null ? DEFAULT_BACKOFF_LIMIT : limit);
  }

  private Backoff backoff() {
    return config.checkpointBackoff();
  }

  private static Optional<Instant> ttlExpiry(NucleusCheckpoint checkpoint) {
    return ttlExpiry(checkpoint.getSpec().getTtlSecondsAfterCompletion(), checkpoint.getStatus());
  }

  /** Terminal checkpoints expire ttlSecondsAfterCompletion after completedAt, else after their final transition. */
  private static Optional<Instant> ttlExpiry(Long ttl, NucleusCheckpointStatus status) {
    if (ttl == null || !CheckpointStatusAggregator.terminal(status)) {
      return Optional.empty();
    }
    String type = status.getPhase() == CheckpointPhase.Completed ? ConditionTypes.COMPLETED : ConditionTypes.FAILED;
    String at = status.getCompletedAt() != null ? status.getCompletedAt()
        : Conditions.find(status.getConditions(), type).map(Condition::getLastTransitionTime).orElse(null);
    return at == null ? Optional.empty() : Optional.of(Instant.parse(at).plusSeconds(ttl));
  }

  private static long generation(NucleusCheckpoint checkpoint) {
    Long g = checkpoint.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }
}
