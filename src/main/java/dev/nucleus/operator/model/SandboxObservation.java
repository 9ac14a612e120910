package dev.nucleus.operator.model;

import java.util.List;

/**
 * What the reconciler observed and decided in one pass, handed to the status aggregator.
 *
 * @param generation metadata.generation of the sandbox
 * @param deleting true once metadata.deletionTimestamp is set
 * @param problems validation problems (empty when valid)
 * @param nodeName the node the sandbox is placed on after this pass, or null
 * @param unschedulableMessage why nothing fits, when {@code nodeName} is null and the spec is valid
 * @param nodeLostMessage set when the placed node's agent is lost past grace
 * @param replaced true when this pass placed the sandbox again after node loss: the lost run's agent fields go
 */
public record SandboxObservation(
    long generation,
    boolean deleting,
    List<SpecProblem> problems,
    String nodeName,
    String unschedulableMessage,
    String nodeLostMessage,
    boolean replaced) {

  public SandboxObservation {
    problems = List.copyOf(problems == null ? List.of() : problems);
  }

  public static SandboxObservation placed(long generation, String node) {
    return new SandboxObservation(generation, false, List.of(), node, null, null, false);
  }

  public boolean nodeLost() {
    return nodeLostMessage != null;
  }
}
