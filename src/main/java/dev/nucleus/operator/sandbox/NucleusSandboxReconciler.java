package dev.nucleus.operator.sandbox;

import static dev.nucleus.api.v1alpha1.ConditionTypes.SCHEDULED;
import static dev.nucleus.api.v1alpha1.ConditionTypes.STARTED;
import static dev.nucleus.api.v1alpha1.ConditionTypes.TRUE;

import dev.nucleus.api.v1alpha1.NucleusCheckpoint;
import dev.nucleus.api.v1alpha1.NucleusNames;
import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.RestartPolicy;
import dev.nucleus.operator.config.OperatorConfig;
import dev.nucleus.operator.events.EventRecorder;
import dev.nucleus.operator.events.TransitionEvents;
import dev.nucleus.operator.kube.Patches;
import dev.nucleus.operator.metrics.OperatorMetrics;
import dev.nucleus.operator.model.AgentNode;
import dev.nucleus.operator.model.NodeReservations;
import dev.nucleus.operator.model.SandboxLifecycle;
import dev.nucleus.operator.model.SandboxObservation;
import dev.nucleus.operator.model.SandboxRequirements;
import dev.nucleus.operator.model.SandboxScheduling;
import dev.nucleus.operator.model.SandboxStatusAggregator;
import dev.nucleus.operator.model.SandboxValidator;
import dev.nucleus.operator.model.SandboxValidator.RestoreSource;
import dev.nucleus.operator.model.SpecProblem;
import dev.nucleus.operator.kube.Caches;
import dev.nucleus.operator.placement.AgentDirectory;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reconciles NucleusSandbox: validate, place on a live capable agent (adding the teardown finalizer with the node
 * label, one write), follow what the agent reports, notice node loss. Decisions live in the pure model package;
 * deleted sandboxes are {@link SandboxTeardownReconciler}'s (JOSDK does not call this controller for them).
 */
@ControllerConfiguration(name = "nucleussandbox", generationAwareEventProcessing = false)
public class NucleusSandboxReconciler implements Reconciler<NucleusSandbox> {
  private final OperatorConfig config;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private final NodeReservations reservations;
  private AgentDirectory<NucleusSandbox> agents;
  private InformerEventSource<NucleusCheckpoint, NucleusSandbox> checkpoints;

  public NucleusSandboxReconciler(OperatorConfig config, EventRecorder events, OperatorMetrics metrics,
      NodeReservations reservations, Clock clock) {
    this.config = config;
    this.events = events;
    this.metrics = metrics;
    this.reservations = reservations;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, NucleusSandbox>> prepareEventSources(EventSourceContext<NucleusSandbox> context) {
    agents = AgentDirectory.create(context, config.namespace(), clock, node -> sandboxesAffectedBy(context, node));
    var restores = InformerEventSourceConfiguration.from(NucleusCheckpoint.class, NucleusSandbox.class)
        .withName("restore-checkpoints")
        .withSecondaryToPrimaryMapper(ck -> context.getPrimaryCache().list(ck.getMetadata().getNamespace(),
                sb -> ck.getMetadata().getName().equals(restoreName(sb.getSpec())))
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .build();
    checkpoints = new InformerEventSource<>(restores, context);
    return List.of(agents.eventSource(), checkpoints);
  }

  @Override
  public UpdateControl<NucleusSandbox> reconcile(NucleusSandbox sandbox, Context<NucleusSandbox> context) {
    if (!Caches.synced(agents.eventSource(), checkpoints)) {
      return UpdateControl.<NucleusSandbox>noUpdate().rescheduleAfter(Caches.UNSYNCED_RETRY.toMillis());
    }
    Instant now = clock.instant();
    var status = sandbox.getStatus();
    Optional<Instant> expiry = SandboxLifecycle.ttlExpiry(sandbox.getSpec(), status);
    if (expiry.isPresent() && !now.isBefore(expiry.get())) {
      events.normal(sandbox, Reasons.TTL_EXPIRED, "ttlSecondsAfterFinished passed: deleting");
      context.getClient().resource(sandbox).delete();
      return UpdateControl.noUpdate();
    }
    Optional<RestoreSource> restore = restoreSource(sandbox);
    List<SpecProblem> problems = SandboxValidator.validate(sandbox.getSpec(), restore);
    Map<String, AgentNode> live = agents.agents();
    SandboxScheduling.Outcome outcome = problems.isEmpty() ? schedule(sandbox, restore, live, now)
        : new SandboxScheduling.Outcome(status == null ? null : status.getNodeName(), null, null, false);
    if (outcome.newlyLostOrReplaced(status)) {
      events.warning(sandbox, Reasons.NODE_LOST, outcome.nodeLostMessage() != null ? outcome.nodeLostMessage()
          : "node " + status.getNodeName() + " lost; placing the sandbox again (restartPolicy OnFailure)");
      metrics.nodeLost();
    }
    var observation = new SandboxObservation(generation(sandbox), false, problems, outcome.nodeName(),
        outcome.unschedulableMessage(), outcome.nodeLostMessage(), outcome.replaced());
    var update = SandboxStatusAggregator.aggregate(status, observation, now);
    NucleusSandbox latest = outcome.nodeName() == null ? sandbox : label(context, sandbox, outcome.nodeName());
    if (update.changed()) {
      Patches.status(context, latest, update.mergePatch());
      TransitionEvents.emit(events, sandbox, update.transitions());
      recordLatencies(sandbox, update.transitions(), update.status().getStartedAt());
    }
    return requeue(sandbox, problems, outcome, update.status(), live, now);
  }

  /**
   * Labels the sandbox with its node and adds the teardown finalizer in the same patch: from the moment an agent can
   * select the sandbox, its deletion waits for that agent. A patch that fails (the sandbox was deleted meanwhile, or
   * changed under the finalizer list's resourceVersion) gives the reservation back; the pass is retried.
   */
  private NucleusSandbox label(Context<NucleusSandbox> context, NucleusSandbox sandbox, String node) {
    try {
      return Patches.metadata(context, sandbox, Map.of(NucleusNames.NODE_LABEL, node),
          NucleusNames.TEARDOWN_FINALIZER);
    } catch (KubernetesClientException e) {
      var status = sandbox.getStatus();
      if (status == null || !node.equals(status.getNodeName())) {
        reservations.release(sandbox.getMetadata().getUid());
      }
      throw e;
    }
  }

  /** Places or keeps the sandbox, counting the placements the agents' Leases do not show yet. */
  private SandboxScheduling.Outcome schedule(NucleusSandbox sandbox, Optional<RestoreSource> restore,
      Map<String, AgentNode> live, Instant now) {
    var status = sandbox.getStatus();
    String uid = sandbox.getMetadata().getUid();
    String previous = status == null ? null : status.getNodeName();
    SandboxRequirements req = requirements(sandbox.getSpec(), restore);
    var outcome = reservations.schedule(uid, previous, req.memoryBytes(), live, loaded -> SandboxScheduling.decide(
        status, req, restartsOnFailure(sandbox), loaded, config.leaseGracePeriod(), now));
    if (status != null && SandboxStatusAggregator.finished(status)) {
      reservations.release(uid);
    } else if (status != null && status.getStartedAt() != null && outcome.nodeName() != null
        && outcome.nodeName().equals(previous)) {
      reservations.started(uid, status.getStartedAt());
    }
    return outcome;
  }

  private UpdateControl<NucleusSandbox> requeue(NucleusSandbox sandbox, List<SpecProblem> problems,
      SandboxScheduling.Outcome outcome, NucleusSandboxStatus status,
      Map<String, AgentNode> live, Instant now) {
    Optional<Duration> after;
    if (!problems.isEmpty()) {
      // A wrong spec waits for a spec change; a restore also waits for its checkpoint (watched) with a slow check.
      after = SandboxValidator.onlyRestoreProblems(problems) ? Optional.of(config.requeueMax()) : Optional.empty();
    } else if (outcome.nodeName() == null) {
      metrics.unschedulable();
      after = Optional.of(SandboxLifecycle.backoffSince(status.getConditions(), SCHEDULED, now,
          config.requeueBackoff()));
    } else {
      after = SandboxScheduling.untilLossCheck(outcome, status, live, config.leaseGracePeriod(), now);
    }
    Optional<Instant> expiry = SandboxLifecycle.ttlExpiry(sandbox.getSpec(), status);
    if (expiry.isPresent()) {
      Duration ttl = Duration.between(now, expiry.get()).plusMillis(100);
      after = Optional.of(after.filter(d -> d.compareTo(ttl) < 0).orElse(ttl));
    }
    UpdateControl<NucleusSandbox> control = UpdateControl.noUpdate();
    return after.map(d -> control.rescheduleAfter(Math.max(100, d.toMillis()))).orElse(control);
  }

  private void recordLatencies(NucleusSandbox sandbox, List<Condition> transitions, String startedAt) {
    Instant created = Instant.parse(sandbox.getMetadata().getCreationTimestamp());
    for (Condition c : transitions) {
      if (SCHEDULED.equals(c.getType()) && TRUE.equals(c.getStatus())) {
        metrics.scheduled(Duration.between(created, clock.instant()));
      } else if (STARTED.equals(c.getType()) && TRUE.equals(c.getStatus()) && startedAt != null) {
        metrics.started(Duration.between(created, Instant.parse(startedAt)));
      }
    }
  }

  private Optional<RestoreSource> restoreSource(NucleusSandbox sandbox) {
    String name = restoreName(sandbox.getSpec());
    if (name == null) {
      return Optional.empty();
    }
    return Optional.of(checkpoints.get(new ResourceID(name, sandbox.getMetadata().getNamespace()))
        .map(ck -> new RestoreSource(name, true, ck.getStatus()))
        .orElse(RestoreSource.missing(name)));
  }

  private static SandboxRequirements requirements(NucleusSandboxSpec spec, Optional<RestoreSource> restore) {
    String checkpointNode = restore.map(RestoreSource::status).map(s -> s.getNodeName()).orElse(null);
    return SandboxRequirements.from(spec, checkpointNode);
  }

  private static boolean restartsOnFailure(NucleusSandbox sandbox) {
    var lifecycle = sandbox.getSpec() == null ? null : sandbox.getSpec().getLifecycle();
    return lifecycle != null && lifecycle.getRestartPolicy() == RestartPolicy.OnFailure;
  }

  private static String restoreName(NucleusSandboxSpec spec) {
    if (spec == null || spec.getRestoreFrom() == null || spec.getRestoreFrom().getCheckpointRef() == null) {
      return null;
    }
    return spec.getRestoreFrom().getCheckpointRef().getName();
  }

  private static long generation(NucleusSandbox sandbox) {
    Long g = sandbox.getMetadata().getGeneration();
    return g == null ? 0 : g;
  }

  /** Pending sandboxes wait for any agent; placed ones care about their own node's agent. */
  private static Set<ResourceID> sandboxesAffectedBy(EventSourceContext<NucleusSandbox> context, String node) {
    return context.getPrimaryCache().list(sb -> sb.getStatus() == null || sb.getStatus().getNodeName() == null
            || node.equals(sb.getStatus().getNodeName()))
        .map(ResourceID::fromResource).collect(Collectors.toSet());
  }
}
