package dev.nucleus.agent.watch;

import dev.nucleus.api.v1alpha1.Isolation;
import dev.nucleus.api.v1alpha1.Usage;
import java.time.Instant;
import java.util.Objects;

/**
 * What the engine observed about one sandbox on this node; the agent turns these facts into the
 * agent-owned status fields and nothing else.
 *
 * @param exitCode the workload's exit code, 128 + signal when killed by a signal; null while running
 * @param reason a constant of {@code Reasons} for an exit that is not a plain exit 0 (e.g. OOMKilled)
 * @param logTail the last lines of output, only at exit
 */
public record SandboxFacts(
    String sandboxId,
    State state,
    Long pid,
    Instant startedAt,
    Instant finishedAt,
    Integer exitCode,
    String reason,
    String message,
    Isolation isolation,
    Usage usage,
    String logTail) {

  /**
   * Whether the workload still runs; LOST when its monitor vanished without recording how it ended; INCOMPLETE when
   * a launch or restore began (its directory exists) but never recorded the sandbox: an agent died in between.
   */
  public enum State { RUNNING, EXITED, LOST, INCOMPLETE }

  public SandboxFacts {
    Objects.requireNonNull(sandboxId, "sandboxId");
    Objects.requireNonNull(state, "state");
    if (state == State.EXITED && exitCode == null) {
      throw new IllegalArgumentException("an exited sandbox needs an exit code");
    }
  }

  public static SandboxFacts running(String sandboxId, long pid, Instant startedAt, Isolation isolation, Usage usage) {
    return new SandboxFacts(sandboxId, State.RUNNING, pid, startedAt, null, null, null, null, isolation, usage, null);
  }

  /** A sandbox whose launch or restore never finished; only {@link SandboxEngine#removeIncomplete} applies. */
  public static SandboxFacts incomplete(String sandboxId) {
    return new SandboxFacts(sandboxId, State.INCOMPLETE, null, null, null, null, null, null, null, null, null);
  }

  public static SandboxFacts lost(String sandboxId, Long pid, Instant startedAt, String message) {
    return new SandboxFacts(sandboxId, State.LOST, pid, startedAt, null, null, null, message, null, null, null);
  }

  public SandboxFacts exited(Instant finished, int code, String exitReason, String exitMessage, Usage finalUsage,
      String tail) {
    return new SandboxFacts(sandboxId, State.EXITED, pid, startedAt, finished, code, exitReason, exitMessage,
        isolation, finalUsage, tail);
  }

  /** Running facts with a reason that stays while it runs (Restored, LandlockNotRestored); null leaves none. */
  public SandboxFacts withReason(String why) {
    return new SandboxFacts(sandboxId, state, pid, startedAt, finishedAt, exitCode, why, message, isolation, usage,
        logTail);
  }

  public SandboxFacts withUsage(Usage now) {
    return new SandboxFacts(sandboxId, state, pid, startedAt, finishedAt, exitCode, reason, message, isolation, now,
        logTail);
  }
}
