package dev.nucleus.operator.events;

import dev.nucleus.api.v1alpha1.Reasons;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.List;
import java.util.Set;

/** Turns condition transitions into Events: one per transition, Warning for the reasons a user must act on. */
public final class TransitionEvents {
  /** Placeholders every new object starts with; an event for them would only be noise. */
  private static final Set<String> QUIET = Set.of(Reasons.NOT_STARTED, Reasons.NOT_FINISHED,
      Reasons.WAITING_FOR_AGENT, Reasons.CHECKPOINT_PENDING);
  private static final Set<String> WARNINGS = Set.of(Reasons.INVALID_SPEC, Reasons.UNSCHEDULABLE, Reasons.NODE_LOST,
      Reasons.CHECKPOINT_NOT_READY, Reasons.FAILED, Reasons.OOM_KILLED, Reasons.DEADLINE_EXCEEDED,
      Reasons.LANDLOCK_UNSUPPORTED, Reasons.SECCOMP_UNSUPPORTED, Reasons.CGROUP_UNAVAILABLE, Reasons.ROOTFS_MISSING,
      Reasons.VOLUME_REFUSED, Reasons.USER_NAMESPACE_UNAVAILABLE, Reasons.LAUNCH_FAILED, Reasons.RUNTIME_UNAVAILABLE,
      Reasons.CRIU_UNAVAILABLE, Reasons.CHECKPOINT_FAILED, Reasons.BACKOFF_LIMIT_EXCEEDED, Reasons.SANDBOX_NOT_RUNNING,
      Reasons.CHECKPOINT_CORRUPT, Reasons.RESTORE_FAILED, Reasons.LANDLOCK_RESTORE_REFUSED,
      Reasons.LANDLOCK_NOT_RESTORED, Reasons.LANDLOCK_BLOCKS_DUMP, Reasons.NON_ROOT_TASKS, Reasons.GVISOR_UNSUPPORTED,
      Reasons.USER_NAMESPACE_RANGES_EXHAUSTED, Reasons.TIME_NAMESPACE_UNAVAILABLE);

  private TransitionEvents() {}

  public static void emit(EventRecorder events, HasMetadata about, List<Condition> transitions) {
    for (Condition c : transitions) {
      if (c.getReason() == null || QUIET.contains(c.getReason())) {
        continue;
      }
      String message = c.getType() + "=" + c.getStatus() + (c.getMessage() == null || c.getMessage().isEmpty()
          ? "" : ": " + c.getMessage());
      if (WARNINGS.contains(c.getReason())) {
        events.warning(about, c.getReason(), message);
      } else {
        events.normal(about, c.getReason(), message);
      }
    }
  }
}
