package dev.nucleus.operator.model;

import static dev.nucleus.api.v1alpha1.ConditionTypes.CHECKPOINT_STARTED;
import static dev.nucleus.api.v1alpha1.ConditionTypes.COMPLETED;
import static dev.nucleus.api.v1alpha1.ConditionTypes.FAILED;
import static dev.nucleus.api.v1alpha1.ConditionTypes.FALSE;
import static dev.nucleus.api.v1alpha1.ConditionTypes.READY;
import static dev.nucleus.api.v1alpha1.ConditionTypes.TRUE;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.operator.model.CheckpointObservation.TargetCheck;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The only writer of checkpoint conditions, modelled on Flink's snapshot resource: Completed and final Failed are
 * terminal and never requeue; a failed attempt is retried with exponential backoff until {@code backoffLimit}.
 * The agent writes Running, Completed and an attempt's Failed; the operator writes Pending and the final Failed.
 */
public final class CheckpointStatusAggregator {

  /**
   * Reasons that make phase Failed final: a retry cannot change them (the sandbox's own Landlock scope, uids or
   * runtime stay what they are). Any other Failed is one attempt's failure, retried.
   */
  public static final Set<String> FINAL_REASONS = Set.of(Reasons.BACKOFF_LIMIT_EXCEEDED, Reasons.SANDBOX_NOT_RUNNING,
      Reasons.CRIU_UNAVAILABLE, Reasons.NODE_LOST, Reasons.LANDLOCK_BLOCKS_DUMP, Reasons.NON_ROOT_TASKS,
      Reasons.GVISOR_UNSUPPORTED);

  /**
   * The aggregator's verdict; {@code retryIn} is when a failed attempt's backoff ends, {@code waiting} is true while
   * the target is not ready yet (the reconciler then looks again with its own backoff).
   */
  public record Result(StatusUpdate<NucleusCheckpointStatus> update, Optional<Duration> retryIn, boolean waiting) {}

  private CheckpointStatusAggregator() {}

  /** True for Completed and for a Failed that will not be retried. */
  public static boolean terminal(NucleusCheckpointStatus status) {
    if (status == null || status.getPhase() == null) {
      return false;
    }
    return status.getPhase() == CheckpointPhase.Completed
        || (status.getPhase() == CheckpointPhase.Failed && FINAL_REASONS.contains(status.getReason()));
  }

  /** The status {@code current} should become given the observation at {@code now}. */
  public static Result aggregate(NucleusCheckpointStatus current, CheckpointObservation obs, Backoff backoff,
      Instant now) {
    NucleusCheckpointStatus status = current == null ? new NucleusCheckpointStatus() : current;
    Map<String, Object> wanted = new LinkedHashMap<>();
    Optional<Duration> requeue = Optional.empty();
    boolean waiting = false;
    CheckpointPhase phase = status.getPhase() == null ? CheckpointPhase.Pending : status.getPhase();
    if (terminal(status)) {
      phase = status.getPhase();
    } else if (obs.nodeLostMessage() != null && status.getNodeName() != null) {
      phase = fail(wanted, Reasons.NODE_LOST, obs.nodeLostMessage());
    } else if (phase == CheckpointPhase.Failed) {
      requeue = retryOrGiveUp(status, obs, backoff, now, wanted);
      phase = wanted.containsKey("phase") ? CheckpointPhase.valueOf((String) wanted.get("phase")) : phase;
    } else if (phase == CheckpointPhase.Pending && status.getNodeName() == null) {
      waiting = admit(obs.target(), wanted);
      phase = wanted.containsKey("phase") ? CheckpointPhase.valueOf((String) wanted.get("phase")) : phase;
    }
    NucleusCheckpointStatus view = StatusPatches.apply(StatusPatches.tree(status), wanted,
        NucleusCheckpointStatus.class);
    List<Condition> old = status.getConditions();
    List<Condition> conditions = Conditions.merge(old, conditions(view, phase), obs.generation(), now);
    wanted.put("observedGeneration", obs.generation());
    wanted.put("conditions", StatusPatches.json(conditions));
    if (phase == CheckpointPhase.Pending && status.getPhase() == null) {
      wanted.put("phase", CheckpointPhase.Pending.name());
    }
    Map<String, Object> before = StatusPatches.tree(current);
    Map<String, Object> patch = StatusPatches.diff(before, wanted);
    NucleusCheckpointStatus after = StatusPatches.apply(before, patch, NucleusCheckpointStatus.class);
    var update = new StatusUpdate<>(after, patch, !patch.isEmpty(), Conditions.transitions(old, conditions));
    return new Result(update, requeue, waiting);
  }

  /** A Pending checkpoint not yet handed to an agent: accept it onto the sandbox's node, wait, or refuse it. */
  private static boolean admit(TargetCheck target, Map<String, Object> wanted) {
    if (target instanceof TargetCheck.Ready ready) {
      wanted.put("nodeName", ready.nodeName());
      wanted.put("phase", CheckpointPhase.Pending.name());
      wanted.put("reason", Reasons.CHECKPOINT_PENDING);
      wanted.put("message", "waiting for the node agent on " + ready.nodeName());
      return false;
    }
    if (target instanceof TargetCheck.Refuse refuse) {
      fail(wanted, refuse.reason(), refuse.message());
      return false;
    }
    TargetCheck.Wait wait = (TargetCheck.Wait) target;
    wanted.put("reason", wait.reason());
    wanted.put("message", wait.message());
    return true;
  }

  /** After an attempt failed: retry once its backoff passed, or fail for good past backoffLimit. */
  private static Optional<Duration> retryOrGiveUp(NucleusCheckpointStatus status, CheckpointObservation obs,
      Backoff backoff, Instant now, Map<String, Object> wanted) {
    int attempts = Math.max(1, status.getAttempts() == null ? 1 : status.getAttempts());
    String last = status.getMessage() == null ? status.getReason() : status.getMessage();
    if (attempts > obs.backoffLimit()) {
      fail(wanted, Reasons.BACKOFF_LIMIT_EXCEEDED, attempts + " attempt(s) failed, backoffLimit is "
          + obs.backoffLimit() + "; last: " + last);
      return Optional.empty();
    }
    Instant failedAt = failedAt(status).orElse(now);
    Instant retryAt = failedAt.plus(backoff.delay(attempts));
    if (now.isBefore(retryAt)) {
      return Optional.of(Duration.between(now, retryAt));
    }
    wanted.put("phase", CheckpointPhase.Pending.name());
    wanted.put("reason", Reasons.CHECKPOINT_PENDING);
    wanted.put("message", "retry " + attempts + " of " + obs.backoffLimit() + " after: " + last);
    return Optional.empty();
  }

  private static CheckpointPhase fail(Map<String, Object> wanted, String reason, String message) {
    wanted.put("phase", CheckpointPhase.Failed.name());
    wanted.put("reason", reason);
    wanted.put("message", message);
    return CheckpointPhase.Failed;
  }

  /** When the last attempt failed: the agent's completedAt, else when the operator first saw it fail. */
  private static Optional<Instant> failedAt(NucleusCheckpointStatus status) {
    String text = status.getCompletedAt();
    if (text == null) {
      text = Conditions.find(status.getConditions(), FAILED).filter(c -> TRUE.equals(c.getStatus()))
          .map(Condition::getLastTransitionTime).orElse(null);
    }
    try {
      return Optional.ofNullable(text).map(Instant::parse);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static List<DesiredCondition> conditions(NucleusCheckpointStatus s, CheckpointPhase phase) {
    String reason = s.getReason() == null ? Reasons.CHECKPOINT_PENDING : s.getReason();
    String message = s.getMessage() == null ? "" : s.getMessage();
    boolean attemptFailed = phase == CheckpointPhase.Failed
        || (phase == CheckpointPhase.Pending && s.getAttempts() != null && s.getAttempts() > 0);
    boolean started = phase == CheckpointPhase.Running || phase == CheckpointPhase.Completed;
    boolean done = phase == CheckpointPhase.Completed;
    return List.of(
        new DesiredCondition(CHECKPOINT_STARTED, started ? TRUE : FALSE,
            started ? Reasons.CHECKPOINT_RUNNING : reason, started ? "the node agent accepted the request" : message),
        new DesiredCondition(FAILED, attemptFailed ? TRUE : FALSE, attemptFailed ? failedReason(s, phase)
            : phaseReason(phase),
            attemptFailed ? message : ""),
        new DesiredCondition(COMPLETED, done ? TRUE : FALSE, done ? Reasons.CHECKPOINT_COMPLETED : phaseReason(phase),
            done ? "image at " + s.getLocation() + ", " + s.getSizeBytes() + " bytes" : message),
        new DesiredCondition(READY, done ? TRUE : FALSE, done ? Reasons.CHECKPOINT_COMPLETED : reason,
            done ? "the image can be restored" : message));
  }

  /** While a retry waits in Pending, the condition keeps saying an attempt failed. */
  private static String failedReason(NucleusCheckpointStatus s, CheckpointPhase phase) {
    if (phase == CheckpointPhase.Pending || s.getReason() == null) {
      return Reasons.CHECKPOINT_FAILED;
    }
    return s.getReason();
  }

  private static String phaseReason(CheckpointPhase phase) {
    return switch (phase) {
      case Pending -> Reasons.CHECKPOINT_PENDING;
      case Running -> Reasons.CHECKPOINT_RUNNING;
      case Completed -> Reasons.CHECKPOINT_COMPLETED;
      case Failed -> Reasons.CHECKPOINT_FAILED;
    };
  }
}
