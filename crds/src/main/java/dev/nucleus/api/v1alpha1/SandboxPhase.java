package dev.nucleus.api.v1alpha1;

/** The summary phase of a NucleusSandbox, derived from its conditions. */
public enum SandboxPhase {
  /** Accepted, not yet placed on a node. */
  Pending,
  /** Placed on a node; its agent has not started it yet. */
  Scheduled,
  /** The node agent is setting up isolation and launching the workload. */
  Starting,
  /** The workload runs. */
  Running,
  /** The workload exited with code 0 (or was checkpointed and stopped). */
  Succeeded,
  /** The workload failed: non-zero exit, signal, OOM kill, deadline or a launch error. */
  Failed,
  /** A checkpoint of the running workload is being taken. */
  Checkpointing,
  /** The workload is being restored from a checkpoint. */
  Restoring,
  /** The node agent stopped reporting; the workload's fate is unknown. */
  Lost,
  /** Deletion requested; the node agent is tearing the sandbox down. */
  Terminating
}
