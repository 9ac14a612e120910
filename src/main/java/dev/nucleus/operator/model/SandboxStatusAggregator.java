package dev.nucleus.operator.model;

import static dev.nucleus.api.v1alpha1.ConditionTypes.COMPLETED;
import static dev.nucleus.api.v1alpha1.ConditionTypes.FALSE;
import static dev.nucleus.api.v1alpha1.ConditionTypes.ISOLATED;
import static dev.nucleus.api.v1alpha1.ConditionTypes.READY;
import static dev.nucleus.api.v1alpha1.ConditionTypes.SCHEDULED;
import static dev.nucleus.api.v1alpha1.ConditionTypes.STARTED;
import static dev.nucleus.api.v1alpha1.ConditionTypes.TRUE;
import static dev.nucleus.api.v1alpha1.ConditionTypes.UNKNOWN;

import dev.nucleus.api.v1alpha1.Isolation;
import dev.nucleus.api.v1alpha1.NucleusSandboxStatus;
import dev.nucleus.api.v1alpha1.Reasons;
import dev.nucleus.api.v1alpha1.SandboxPhase;
import io.fabric8.kubernetes.api.model.Condition;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The only writer of sandbox conditions. It reads the agent-reported fields, never writes them (except to clear a
 * lost run's fields when the sandbox is placed again), and derives the operator's phases from the conditions.
 */
public final class SandboxStatusAggregator {

  /** Phases only a node agent reports; the operator leaves them as they are. */
  public static final Set<SandboxPhase> AGENT_PHASES = EnumSet.of(SandboxPhase.Starting, SandboxPhase.Running,
      SandboxPhase.Succeeded, SandboxPhase.Failed, SandboxPhase.Checkpointing, SandboxPhase.Restoring);
  /** Fields the node agent owns; the operator only ever clears them, after node loss. */
  public static final List<String> AGENT_FIELDS = List.of("sandboxId", "pid", "startedAt", "finishedAt", "exitCode",
      "reason", "isolation", "usage", "logTail");
  private static final Set<String> ISOLATION_FAILURES = Set.of(Reasons.LANDLOCK_UNSUPPORTED,
      Reasons.SECCOMP_UNSUPPORTED, Reasons.CGROUP_UNAVAILABLE, Reasons.ROOTFS_MISSING, Reasons.VOLUME_REFUSED,
      Reasons.USER_NAMESPACE_UNAVAILABLE, Reasons.USER_NAMESPACE_RANGES_EXHAUSTED, Reasons.TIME_NAMESPACE_UNAVAILABLE,
      Reasons.RUNTIME_UNAVAILABLE, Reasons.LANDLOCK_RESTORE_REFUSED);

  private SandboxStatusAggregator() {}

  /** The status {@code current} should become given what the reconciler observed at {@code now}. */
  public static StatusUpdate<NucleusSandboxStatus> aggregate(NucleusSandboxStatus current, SandboxObservation obs,
      Instant now) {
    Map<String, Object> before = StatusPatches.tree(current);
    NucleusSandboxStatus agent = obs.replaced() || current == null ? new NucleusSandboxStatus() : current;
    List<Condition> old = current == null ? List.of() : current.getConditions();
    List<DesiredCondition> desired = List.of(scheduled(obs), started(obs, agent), isolated(agent),
        completed(agent), ready(obs, agent));
    List<Condition> conditions = Conditions.merge(old, desired, obs.generation(), now);

    Map<String, Object> wanted = new LinkedHashMap<>();
    wanted.put("observedGeneration", obs.generation());
    wanted.put("conditions", StatusPatches.json(conditions));
    wanted.put("nodeName", obs.nodeName());
    SandboxPhase phase = derivePhase(conditions, agent.getPhase());
    if (phase != null) {
      wanted.put("phase", phase.name());
      wanted.put("message", summary(conditions, phase));
    }
    if (obs.replaced()) {
      AGENT_FIELDS.forEach(f -> wanted.put(f, null));
    }
    Map<String, Object> patch = StatusPatches.diff(before, wanted);
    NucleusSandboxStatus after = StatusPatches.apply(before, patch, NucleusSandboxStatus.class);
    return new StatusUpdate<>(after, patch, !patch.isEmpty(), Conditions.transitions(old, conditions));
  }

  /**
   * The phase the operator writes, derived from the conditions; null when a node agent's phase stands.
   * Terminating and Lost override the agent because the agent is either tearing down or gone.
   */
  public static SandboxPhase derivePhase(List<Condition> conditions, SandboxPhase agentPhase) {
    String readyReason = Conditions.reason(conditions, READY);
    if (Reasons.TERMINATING.equals(readyReason)) {
      return SandboxPhase.Terminating;
    }
    if (Reasons.NODE_LOST.equals(readyReason)) {
      return SandboxPhase.Lost;
    }
    if (!Conditions.is(conditions, SCHEDULED, TRUE)) {
      return SandboxPhase.Pending;
    }
    return agentPhase != null && AGENT_PHASES.contains(agentPhase) ? null : SandboxPhase.Scheduled;
  }

  /** True once the workload finished: nothing runs any more, so node loss no longer matters. */
  public static boolean finished(NucleusSandboxStatus status) {
    return status != null && (status.getPhase() == SandboxPhase.Succeeded || status.getPhase() == SandboxPhase.Failed);
  }

  private static DesiredCondition scheduled(SandboxObservation obs) {
    if (!obs.problems().isEmpty()) {
      return new DesiredCondition(SCHEDULED, FALSE, invalidReason(obs), problems(obs));
    }
    if (obs.nodeName() != null) {
      String reason = obs.replaced() ? Reasons.RESCHEDULED : Reasons.SCHEDULED;
      return new DesiredCondition(SCHEDULED, TRUE, reason, "placed on node " + obs.nodeName());
    }
    return new DesiredCondition(SCHEDULED, FALSE, Reasons.UNSCHEDULABLE, obs.unschedulableMessage());
  }

  private static DesiredCondition started(SandboxObservation obs, NucleusSandboxStatus agent) {
    if (agent.getStartedAt() != null) {
      // A restore reports Restored, or LandlockNotRestored when it ran without its Landlock domain.
      String reason = Reasons.RESTORED.equals(agent.getReason())
          || Reasons.LANDLOCK_NOT_RESTORED.equals(agent.getReason()) ? Reasons.RESTORED : Reasons.LAUNCHED;
      return new DesiredCondition(STARTED, TRUE, reason, "pid " + agent.getPid() + " on node " + obs.nodeName()
          + " since " + agent.getStartedAt());
    }
    if (agent.getPhase() == SandboxPhase.Failed) {
      return new DesiredCondition(STARTED, FALSE, orElse(agent.getReason(), Reasons.LAUNCH_FAILED),
          orElse(agent.getMessage(), "the node agent could not launch the workload"));
    }
    if (agent.getPhase() == SandboxPhase.Starting || agent.getPhase() == SandboxPhase.Restoring) {
      return new DesiredCondition(STARTED, FALSE, Reasons.STARTING, "the node agent is launching the workload");
    }
    return new DesiredCondition(STARTED, FALSE, Reasons.NOT_STARTED, "not launched yet");
  }

  private static DesiredCondition isolated(NucleusSandboxStatus agent) {
    Isolation iso = agent.getIsolation();
    if (iso != null) {
      String reason = Reasons.LANDLOCK_NOT_RESTORED.equals(agent.getReason())
          ? Reasons.LANDLOCK_NOT_RESTORED : Reasons.ISOLATION_ENFORCED;
      return new DesiredCondition(ISOLATED, TRUE, reason, describe(iso));
    }
    if (agent.getPhase() == SandboxPhase.Failed && ISOLATION_FAILURES.contains(agent.getReason())) {
      return new DesiredCondition(ISOLATED, FALSE, agent.getReason(), orElse(agent.getMessage(), agent.getReason()));
    }
    return new DesiredCondition(ISOLATED, UNKNOWN, Reasons.NOT_STARTED, "not launched yet");
  }

  private static DesiredCondition completed(NucleusSandboxStatus agent) {
    if (agent.getPhase() == SandboxPhase.Succeeded || agent.getPhase() == SandboxPhase.Failed) {
      String fallback = agent.getPhase() == SandboxPhase.Succeeded ? Reasons.SUCCEEDED : Reasons.FAILED;
      String exit = agent.getExitCode() == null ? "no exit code" : "exit code " + agent.getExitCode();
      String message = agent.getMessage() == null ? exit : exit + ": " + agent.getMessage();
      return new DesiredCondition(COMPLETED, TRUE, orElse(agent.getReason(), fallback), message);
    }
    return new DesiredCondition(COMPLETED, FALSE, Reasons.NOT_FINISHED, "the workload has not finished");
  }

  private static DesiredCondition ready(SandboxObservation obs, NucleusSandboxStatus agent) {
    if (obs.deleting()) {
      return new DesiredCondition(READY, FALSE, Reasons.TERMINATING, "waiting for the node agent's teardown");
    }
    if (!obs.problems().isEmpty()) {
      return new DesiredCondition(READY, FALSE, invalidReason(obs), problems(obs));
    }
    if (obs.nodeLost()) {
      return new DesiredCondition(READY, FALSE, Reasons.NODE_LOST, obs.nodeLostMessage());
    }
    if (obs.nodeName() == null) {
      return new DesiredCondition(READY, FALSE, Reasons.UNSCHEDULABLE, obs.unschedulableMessage());
    }
    SandboxPhase phase = agent.getPhase();
    if (phase == SandboxPhase.Running || phase == SandboxPhase.Checkpointing) {
      return new DesiredCondition(READY, TRUE, Reasons.RUNNING, "running on node " + obs.nodeName());
    }
    if (phase == SandboxPhase.Succeeded || phase == SandboxPhase.Failed) {
      return new DesiredCondition(READY, FALSE, orElse(agent.getReason(), phase.name()), "the workload finished");
    }
    if (phase == SandboxPhase.Starting || phase == SandboxPhase.Restoring) {
      return new DesiredCondition(READY, FALSE, Reasons.STARTING, "the node agent is launching the workload");
    }
    return new DesiredCondition(READY, FALSE, Reasons.WAITING_FOR_AGENT,
        "waiting for the node agent on " + obs.nodeName());
  }

  private static String summary(List<Condition> conditions, SandboxPhase phase) {
    String condition = phase == SandboxPhase.Pending ? SCHEDULED : READY;
    return Conditions.find(conditions, condition).map(Condition::getMessage).orElse(null);
  }

  private static String invalidReason(SandboxObservation obs) {
    return SandboxValidator.onlyRestoreProblems(obs.problems()) ? Reasons.CHECKPOINT_NOT_READY : Reasons.INVALID_SPEC;
  }

  private static String problems(SandboxObservation obs) {
    return obs.problems().stream().map(SpecProblem::toString).collect(Collectors.joining("; "));
  }

  private static String describe(Isolation iso) {
    return "runtime " + orElse(iso.getRuntime(), "?")
        + ", namespaces " + (iso.getNamespaces() == null ? "[]" : iso.getNamespaces())
        + ", seccomp " + orElse(iso.getSeccompProfile(), "?") + " (" + iso.getSeccompSyscallCount() + " syscalls)"
        + ", Landlock ABI " + iso.getLandlockAbi() + " (" + iso.getLandlockRuleCount() + " rules)"
        + ", cgroup " + orElse(iso.getCgroupVersion(), "?");
  }

  private static String orElse(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }
}
