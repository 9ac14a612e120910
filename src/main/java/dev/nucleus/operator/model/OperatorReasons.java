package dev.nucleus.operator.model;

/**
 * Reasons only the operator's aggregators use, for states the shared {@code Reasons} does not name.
 * Stable CamelCase like the shared ones: never renamed, only added.
 */
public final class OperatorReasons {
  /** Started=True: the node agent reported a start time. */
  public static final String LAUNCHED = "Launched";
  /** Started/Isolated: the node agent has not launched the workload yet. */
  public static final String NOT_STARTED = "NotStarted";
  /** Ready=False: placed, the node agent has not picked the sandbox up yet. */
  public static final String WAITING_FOR_AGENT = "WaitingForAgent";
  /** Completed=False: the workload has not finished. */
  public static final String NOT_FINISHED = "NotFinished";
  /** Ready=False: the object is being deleted and waits for the node agent's teardown. */
  public static final String TERMINATING = "Terminating";
  /** Scheduled=True again after node loss with restartPolicy OnFailure. */
  public static final String RESCHEDULED = "Rescheduled";
  /** Event: the finalizer was removed after the node agent's teardown (or node loss). */
  public static final String FINALIZED = "Finalized";
  /** Event: ttlSecondsAfterFinished / ttlSecondsAfterCompletion expired and the object was deleted. */
  public static final String TTL_EXPIRED = "TTLExpired";

  private OperatorReasons() {}
}
