package dev.nucleus.operator.model;

import java.util.Map;

/**
 * What a sandbox asks of a node, reduced to the facts placement compares against agent Leases.
 *
 * @param landlockAbi lowest Landlock ABI that can enforce the spec's rules (0: no Landlock rules)
 * @param needsCriu true for a restore, which only a node with a usable CRIU can perform
 * @param needsRunsc true for the GVisor runtime
 * @param nodeSelector labels the node must carry (as copied by its agent into the Lease)
 * @param nodeName the node the user pinned, or null
 * @param requiredNode the node the sandbox must go to regardless of load (a restore's checkpoint node), or null
 * @param memoryBytes the memory limit to fit under the node's allocatable memory (0: none requested)
 */
public record SandboxRequirements(
    int landlockAbi,
    boolean needsCriu,
    boolean needsRunsc,
    Map<String, String> nodeSelector,
    String nodeName,
    String requiredNode,
    long memoryBytes) {

  /** Landlock ABI 1 introduced filesystem path rules. */
  public static final int LANDLOCK_ABI_PATHS = 1;
  /** Landlock ABI 4 introduced TCP bind/connect port rules. */
  public static final int LANDLOCK_ABI_TCP = 4;

  public SandboxRequirements {
    nodeSelector = Map.copyOf(nodeSelector == null ? Map.of() : nodeSelector);
  }

  /** A sandbox with no special needs; convenient base for tests and for {@code with*} derivations. */
  public static SandboxRequirements none() {
    return new SandboxRequirements(0, false, false, Map.of(), null, null, 0);
  }

  /** The Landlock ABI needed for the given kinds of rules. */
  public static int landlockAbiFor(boolean hasPathRules, boolean hasPortRules) {
    if (hasPortRules) {
      return LANDLOCK_ABI_TCP;
    }
    return hasPathRules ? LANDLOCK_ABI_PATHS : 0;
  }

  public SandboxRequirements withLandlockAbi(int abi) {
    return new SandboxRequirements(abi, needsCriu, needsRunsc, nodeSelector, nodeName, requiredNode, memoryBytes);
  }

  public SandboxRequirements withCriu() {
    return new SandboxRequirements(landlockAbi, true, needsRunsc, nodeSelector, nodeName, requiredNode, memoryBytes);
  }

  public SandboxRequirements withRunsc() {
    return new SandboxRequirements(landlockAbi, needsCriu, true, nodeSelector, nodeName, requiredNode, memoryBytes);
  }

  public SandboxRequirements withNodeSelector(Map<String, String> selector) {
    return new SandboxRequirements(landlockAbi, needsCriu, needsRunsc, selector, nodeName, requiredNode, memoryBytes);
  }

  public SandboxRequirements withNodeName(String node) {
    return new SandboxRequirements(landlockAbi, needsCriu, needsRunsc, nodeSelector, node, requiredNode, memoryBytes);
  }

  public SandboxRequirements withRequiredNode(String node) {
    return new SandboxRequirements(landlockAbi, needsCriu, needsRunsc, nodeSelector, nodeName, node, memoryBytes);
  }

  public SandboxRequirements withMemoryBytes(long bytes) {
    return new SandboxRequirements(landlockAbi, needsCriu, needsRunsc, nodeSelector, nodeName, requiredNode, bytes);
  }
}
