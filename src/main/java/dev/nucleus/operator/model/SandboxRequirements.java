package dev.nucleus.operator.model;

import dev.nucleus.api.v1alpha1.Landlock;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import dev.nucleus.api.v1alpha1.SandboxRuntime;
import io.fabric8.kubernetes.api.model.Quantity;
import java.util.List;
import java.util.Map;

/**
 * What a sandbox asks of a node, reduced to the facts placement compares against agent Leases.
 *
 * @param landlockAbi lowest Landlock ABI that can enforce the spec's rules (0: no Landlock rules)
 * @param needsCriu true for a restore, which only a node with a usable CRIU can perform
 * @param needsRunsc true for the GVisor runtime
 * @param needsTimeNamespace true when the spec asks for its own time namespace
 * @param nodeSelector labels the node must carry (as copied by its agent into the Lease)
 * @param nodeName the node the user pinned, or null
 * @param requiredNode the node the sandbox must go to regardless of load (a restore's checkpoint node), or null
 * @param memoryBytes the memory limit to fit under the node's allocatable memory (0: none requested)
 */
public record SandboxRequirements(
    int landlockAbi,
    boolean needsCriu,
    boolean needsRunsc,
    boolean needsTimeNamespace,
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

  /** What {@code spec} needs; {@code checkpointNode} is the node of the checkpoint a restore reads, or null. */
  public static SandboxRequirements from(NucleusSandboxSpec spec, String checkpointNode) {
    Landlock landlock = spec.getSecurity() == null ? null : spec.getSecurity().getLandlock();
    int abi = landlock == null ? 0 : landlockAbiFor(
        any(landlock.getReadOnly()) || any(landlock.getReadWrite()) || any(landlock.getExecute()),
        any(landlock.getTcpBind()) || any(landlock.getTcpConnect()));
    boolean restore = spec.getRestoreFrom() != null;
    boolean timeNamespace = spec.getSecurity() != null && Boolean.TRUE.equals(spec.getSecurity().getTimeNamespace());
    return new SandboxRequirements(abi, restore, spec.getRuntime() == SandboxRuntime.GVisor, timeNamespace,
        spec.getNodeSelector(), spec.getNodeName(), restore ? checkpointNode : null, memoryBytes(spec));
  }

  private static boolean any(List<?> rules) {
    return rules != null && !rules.isEmpty();
  }

  private static long memoryBytes(NucleusSandboxSpec spec) {
    String memory = spec.getResources() == null ? null : spec.getResources().getMemory();
    if (memory == null) {
      return 0;
    }
    try {
      return Quantity.getAmountInBytes(new Quantity(memory)).longValueExact();
    } catch (RuntimeException e) {
      return 0; // the validator reports it; placement must not throw on it
    }
  }

  /** A sandbox with no special needs; convenient base for tests and for {@code with*} derivations. */
  public static SandboxRequirements none() {
    return new SandboxRequirements(0, false, false, false, Map.of(), null, null, 0);
  }

  /** The Landlock ABI needed for the given kinds of rules. */
  public static int landlockAbiFor(boolean hasPathRules, boolean hasPortRules) {
    if (hasPortRules) {
      return LANDLOCK_ABI_TCP;
    }
    return hasPathRules ? LANDLOCK_ABI_PATHS : 0;
  }

  public SandboxRequirements withLandlockAbi(int abi) {
    return new SandboxRequirements(abi, needsCriu, needsRunsc, needsTimeNamespace, nodeSelector,
        nodeName, requiredNode, memoryBytes);
  }

  public SandboxRequirements withCriu() {
    return new SandboxRequirements(landlockAbi, true, needsRunsc, needsTimeNamespace, nodeSelector,
        nodeName, requiredNode, memoryBytes);
  }

  public SandboxRequirements withRunsc() {
    return new SandboxRequirements(landlockAbi, needsCriu, true, needsTimeNamespace, nodeSelector,
        nodeName, requiredNode, memoryBytes);
  }

  public SandboxRequirements withTimeNamespace() {
    return new SandboxRequirements(landlockAbi, needsCriu, needsRunsc, true, nodeSelector, nodeName, requiredNode,
        memoryBytes);
  }

  public SandboxRequirements withNodeSelector(Map<String, String> selector) {
    return new SandboxRequirements(landlockAbi, needsCriu, needsRunsc, needsTimeNamespace, selector,
        nodeName, requiredNode, memoryBytes);
  }

  public SandboxRequirements withNodeName(String node) {
    return new SandboxRequirements(landlockAbi, needsCriu, needsRunsc, needsTimeNamespace, nodeSelector,
        node, requiredNode, memoryBytes);
  }

  public SandboxRequirements withRequiredNode(String node) {
    return new SandboxRequirements(landlockAbi, needsCriu, needsRunsc, needsTimeNamespace, nodeSelector,
        nodeName, node, memoryBytes);
  }

  public SandboxRequirements withMemoryBytes(long bytes) {
    return new SandboxRequirements(landlockAbi, needsCriu, needsRunsc, needsTimeNamespace, nodeSelector,
        nodeName, requiredNode, bytes);
  }
}
