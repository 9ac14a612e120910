package dev.nucleus.api.v1alpha1;

/** The phase of a NucleusCheckpoint, modelled on a snapshot: terminal phases never change. */
public enum CheckpointPhase {
  /** Accepted, waiting for the sandbox's node agent. */
  Pending,
  /** The node agent is dumping the sandbox. */
  Running,
  /** The checkpoint image is complete and verified (terminal). */
  Completed,
  /** The checkpoint failed after its retries (terminal). */
  Failed
}
