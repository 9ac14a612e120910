package dev.nucleus.agent.watch;

import java.util.Objects;

/**
 * A sandbox operation that failed on this node, with the stable reason (a constant of
 * {@code dev.nucleus.api.v1alpha1.Reasons}) and a one-line message that go into status as they are.
 */
public final class EngineException extends Exception {
  private final String reason;

  public EngineException(String reason, String message) {
    super(message);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public EngineException(String reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  public String reason() {
    return reason;
  }
}
