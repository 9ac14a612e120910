package dev.nucleus.agent.watch;

/**
 * Reasons only the node agent reports that {@code dev.nucleus.api.v1alpha1.Reasons} does not carry yet.
 * They belong there (the API owns every shared string); move them when the API adds them.
 */
final class AgentReasons {
  /** The agent's state file for this sandbox was a symlink, corrupted or not its own; it is not trusted. */
  static final String STATE_REFUSED = "StateRefused";
  /** The agent started this sandbox, but the node has no trace of it any more (state wiped, node reset). */
  static final String SANDBOX_LOST = "SandboxLost";

  /**
   * A previous agent died while launching or restoring this sandbox, before recording it; what the launch had created
   * was removed, and the sandbox is not started again (its workload may have run already).
   */
  static final String LAUNCH_INTERRUPTED = "LaunchInterrupted";

  private AgentReasons() {}
}
