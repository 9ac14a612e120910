package dev.nucleus.api.v1alpha1;

/**
 * Stable CamelCase reasons shared by the operator and the node agents, used in conditions, {@code status.reason}
 * and events. Tools and users match on them, so a reason is never renamed, only added.
 */
public final class Reasons {
  // --- validation and placement (operator)
  /** The spec passed the schema but cannot be run as written; the message names the field. */
  public static final String INVALID_SPEC = "InvalidSpec";
  /** No node with a live agent can enforce the spec; the message counts nodes per cause. */
  public static final String UNSCHEDULABLE = "Unschedulable";
  /** Placed on a node whose agent is live and capable. */
  public static final String SCHEDULED = "Scheduled";
  /** The node agent's Lease went stale past the grace period; the workload's fate is unknown. */
  public static final String NODE_LOST = "NodeLost";
  /** The restore names a checkpoint that does not exist, is not Completed or is in another namespace. */
  public static final String CHECKPOINT_NOT_READY = "CheckpointNotReady";

  // --- lifecycle (node agent)
  /** The node agent is setting up isolation and launching the workload. */
  public static final String STARTING = "Starting";
  /** The workload runs. */
  public static final String RUNNING = "Running";
  /** Event: the node agent launched the workload (or restored it) and it runs. */
  public static final String STARTED = "Started";
  /** The workload exited with code 0. */
  public static final String SUCCEEDED = "Succeeded";
  /** The workload exited non-zero or was killed by a signal. */
  public static final String FAILED = "Failed";
  /** The kernel OOM-killed the workload at its memory limit. */
  public static final String OOM_KILLED = "OOMKilled";
  /** spec.lifecycle.activeDeadlineSeconds passed; the workload was stopped. */
  public static final String DEADLINE_EXCEEDED = "DeadlineExceeded";
  /** The workload was stopped on request (stop or delete) within its grace period. */
  public static final String STOPPED = "Stopped";
  /** The workload was dumped by a checkpoint without leaveRunning and stopped. */
  public static final String CHECKPOINTED = "Checkpointed";
  /** The workload was restored from a checkpoint and runs again. */
  public static final String RESTORED = "Restored";
  /** Every process, cgroup, mount and state directory of the sandbox is gone. */
  public static final String TEARDOWN_COMPLETE = "TeardownComplete";

  // --- isolation failures (node agent; the sandbox never runs after one of these)
  /** Every isolation layer the spec asks for is in force. */
  public static final String ISOLATION_ENFORCED = "IsolationEnforced";
  /** The node's Landlock ABI cannot enforce what the spec asks (e.g. TCP rules need ABI 4). */
  public static final String LANDLOCK_UNSUPPORTED = "LandlockUnsupported";
  /** A restored sandbox runs without its Landlock domain, which CRIU cannot restore (explicitly accepted). */
  public static final String LANDLOCK_NOT_RESTORED = "LandlockNotRestored";
  /** The node cannot load the requested seccomp filter (libseccomp missing, unknown syscall name...). */
  public static final String SECCOMP_UNSUPPORTED = "SeccompUnsupported";
  /** The cgroup controllers needed for the requested limits are not available to the agent. */
  public static final String CGROUP_UNAVAILABLE = "CgroupUnavailable";
  /** rootfs.path (or a hostPath volume) does not exist, is a symlink or is a refused sensitive path. */
  public static final String ROOTFS_MISSING = "RootfsMissing";
  /** A volume source is missing, sensitive or escapes through a symlink. */
  public static final String VOLUME_REFUSED = "VolumeRefused";
  /** The user namespace could not be set up (no subordinate id range, kernel refuses). */
  public static final String USER_NAMESPACE_UNAVAILABLE = "UserNamespaceUnavailable";
  /** Every host id range the node sets aside for user namespaces is held by another sandbox. */
  public static final String USER_NAMESPACE_RANGES_EXHAUSTED = "UserNamespaceRangesExhausted";
  /** timeNamespace was asked for and the node's kernel refused to create a time namespace. */
  public static final String TIME_NAMESPACE_UNAVAILABLE = "TimeNamespaceUnavailable";
  /** The launcher failed before exec; the message names the step, syscall and errno. */
  public static final String LAUNCH_FAILED = "LaunchFailed";
  /** The requested runtime is not available on the node. */
  public static final String RUNTIME_UNAVAILABLE = "RuntimeUnavailable";

  // --- checkpoint and restore
  /** The checkpoint is waiting for the sandbox's node agent. */
  public static final String CHECKPOINT_PENDING = "CheckpointPending";
  /** The node agent is dumping the sandbox. */
  public static final String CHECKPOINT_RUNNING = "CheckpointRunning";
  /** The image is complete, signed and verified. */
  public static final String CHECKPOINT_COMPLETED = "Completed";
  /** CRIU is missing or unusable on the node; the message says why. */
  public static final String CRIU_UNAVAILABLE = "CriuUnavailable";
  /** An attempt failed; the message carries the relevant CRIU log lines. The sandbox keeps running. */
  public static final String CHECKPOINT_FAILED = "CheckpointFailed";
  /** Every retry allowed by spec.backoffLimit failed; the checkpoint is Failed for good. */
  public static final String BACKOFF_LIMIT_EXCEEDED = "BackoffLimitExceeded";
  /** The sandbox to checkpoint does not exist, is not Running or is in another namespace. */
  public static final String SANDBOX_NOT_RUNNING = "SandboxNotRunning";
  /** The checkpoint image failed verification (digest, signature, symlink or special file). */
  public static final String CHECKPOINT_CORRUPT = "CheckpointCorrupt";
  /** CRIU restore failed; nothing half-restored is left behind. */
  public static final String RESTORE_FAILED = "RestoreFailed";
  /** The restore was refused: the sandbox had Landlock rules and the spec did not set allowNotRestored. */
  public static final String LANDLOCK_RESTORE_REFUSED = "LandlockRestoreRefused";
  /**
   * The sandbox runs in a Landlock domain that scopes abstract unix sockets, through which CRIU's parasite must
   * reach criu: it cannot be dumped. Retrying cannot help; the sandbox keeps running untouched.
   */
  public static final String LANDLOCK_BLOCKS_DUMP = "LandlockBlocksDump";
  /** Tasks of the sandbox run as non-root host uids, which CRIU cannot dump or restore on this node (final). */
  public static final String NON_ROOT_TASKS = "NonRootTasks";
  /** The sandbox runs under gVisor; CRIU checkpoints native sandboxes only (final). */
  public static final String GVISOR_UNSUPPORTED = "GvisorUnsupported";
  /** The checkpoint's image directory was removed from the node. */
  public static final String IMAGE_DELETED = "ImageDeleted";

  // --- operator lifecycle (conditions the operator's aggregators write, and its events)
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

  private Reasons() {}
}
