package dev.nucleus.operator.model;

/**
 * What the checkpoint reconciler observed in one pass.
 *
 * @param generation metadata.generation of the checkpoint
 * @param target whether the sandbox to dump can be dumped now, and on which node
 * @param nodeLostMessage set when the node of an accepted checkpoint lost its agent past grace
 * @param backoffLimit retries allowed after the first failed attempt
 */
public record CheckpointObservation(long generation, TargetCheck target, String nodeLostMessage, int backoffLimit) {

  /** The verdict on the checkpoint's target sandbox and its node. */
  public sealed interface TargetCheck {
    /** The sandbox runs on {@code nodeName}, whose live agent can checkpoint. */
    record Ready(String nodeName) implements TargetCheck {}

    /** Not yet: the sandbox is missing, not Running yet, or its node's agent is not live. Checked again later. */
    record Wait(String reason, String message) implements TargetCheck {}

    /** Never: the sandbox finished or its node cannot checkpoint. The checkpoint fails for good. */
    record Refuse(String reason, String message) implements TargetCheck {}
  }
}
