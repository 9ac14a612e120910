package dev.nucleus.operator.model;

/** The outcome of placing one sandbox: a node, or the reason no node fits. */
public sealed interface PlacementDecision {

  /** The sandbox goes to {@code nodeName}. */
  record Placed(String nodeName) implements PlacementDecision {}

  /** No node fits; {@code message} reads like kube-scheduler's "0/3 nodes are available: ...". */
  record Unschedulable(String message) implements PlacementDecision {}
}
