package dev.nucleus.api.v1alpha1;

/**
 * Condition types of both kinds. The operator's status aggregators are their only writers; phase is derived
 * from them, never the other way round.
 */
public final class ConditionTypes {
  /** Sandbox: placed on a node with a live agent that can enforce the spec (False: Unschedulable). */
  public static final String SCHEDULED = "Scheduled";
  /** Sandbox: the node agent launched (or restored) the workload. */
  public static final String STARTED = "Started";
  /** Both kinds: the summary a user waits on (sandbox running, checkpoint image usable). */
  public static final String READY = "Ready";
  /** Sandbox: every requested isolation layer is in force (False names the layer that is not). */
  public static final String ISOLATED = "Isolated";
  /** Sandbox: the workload finished (True with reason Succeeded, Failed, OOMKilled...); checkpoint: image done. */
  public static final String COMPLETED = "Completed";

  /** Checkpoint: the node agent accepted the request and started dumping. */
  public static final String CHECKPOINT_STARTED = "DumpStarted";
  /** Checkpoint: the last attempt failed; with reason BackoffLimitExceeded it is final. */
  public static final String FAILED = "Failed";

  /** Condition status values, as Kubernetes spells them. */
  public static final String TRUE = "True";
  public static final String FALSE = "False";
  public static final String UNKNOWN = "Unknown";

  private ConditionTypes() {}
}
