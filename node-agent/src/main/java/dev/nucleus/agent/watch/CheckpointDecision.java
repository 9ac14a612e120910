package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.CheckpointPhase;
import dev.nucleus.api.v1alpha1.NucleusCheckpointStatus;

/**
 * Pure decision for one NucleusCheckpoint on this node: compares what the operator asks (status phase, node and
 * attempts) with what the agent remembers (its journal record), and names the one thing to do.
 */
final class CheckpointDecision {
  /** What the controller does next. */
  enum Action {
    /** Not placed here, terminal, or the cache still lags behind the agent's own last write. */
    NOTHING,
    /** Run attempt {@code attempt}. */
    START,
    /** The record says a dump was running when the previous agent died: resolve it from the directory. */
    RECOVER,
    /** The attempt ended but status does not show it (a lost patch): send the recorded outcome again. */
    REPORT_OUTCOME,
    /** Status says an agent runs an attempt, but this node has no record of it: that attempt is lost. */
    REPORT_LOST
  }

  /** The action and the attempt number it is about. */
  record Decision(Action action, int attempt) {}

  private CheckpointDecision() {}

  static Decision decide(NucleusCheckpointStatus status, CheckpointRecord record, String node) {
    if (status == null || !node.equals(status.getNodeName()) || status.getPhase() == null) {
      return new Decision(Action.NOTHING, 0);
    }
    CheckpointPhase phase = status.getPhase();
    int shown = status.getAttempts() == null ? 0 : status.getAttempts();
    if (record == null) {
      return switch (phase) {
        case Pending -> new Decision(Action.START, shown + 1);
        case Running -> new Decision(Action.REPORT_LOST, Math.max(1, shown));
        default -> new Decision(Action.NOTHING, shown);
      };
    }
    return switch (record.stage()) {
      case RUNNING -> new Decision(Action.RECOVER, record.attempt());
      case COMPLETED -> phase == CheckpointPhase.Completed ? new Decision(Action.NOTHING, record.attempt())
          : phase == CheckpointPhase.Failed ? new Decision(Action.NOTHING, record.attempt())
          : new Decision(Action.REPORT_OUTCOME, record.attempt());
      case FAILED -> afterFailure(phase, shown, record.attempt());
    };
  }

  // Pending after our failed attempt n is the operator's retry, but only once the cache shows attempt n at all:
  // an older Pending is the cache lagging behind our own Running patch.
  private static Decision afterFailure(CheckpointPhase phase, int shown, int attempt) {
    return switch (phase) {
      case Pending -> shown >= attempt ? new Decision(Action.START, attempt + 1) : new Decision(Action.NOTHING, attempt);
      case Running -> shown > attempt ? new Decision(Action.REPORT_LOST, shown)
          : new Decision(Action.REPORT_OUTCOME, attempt);
      default -> new Decision(Action.NOTHING, attempt);
    };
  }
}
