package dev.nucleus.api.v1alpha1;

/**
 * The one place that knows the names the operator and the node agents share: labels, finalizers,
 * Lease names and the Lease annotations through which an agent advertises what its node can enforce.
 */
public final class NucleusNames {
  public static final String GROUP = "nucleus.dev";
  public static final String VERSION = "v1alpha1";

  /** Label the operator sets on a placed sandbox or checkpoint; each agent selects on its own node name. */
  public static final String NODE_LABEL = GROUP + "/node";
  /** Label mirroring a checkpoint's phase, so `kubectl get nckpt -l nucleus.dev/phase=Completed` works. */
  public static final String PHASE_LABEL = GROUP + "/phase";
  /** Finalizer that keeps a sandbox until its node agent reports teardown complete. */
  public static final String TEARDOWN_FINALIZER = GROUP + "/teardown";
  /** Finalizer that keeps a checkpoint until its node agent has deleted the image directory. */
  public static final String CHECKPOINT_FINALIZER = GROUP + "/checkpoint-cleanup";

  /** Prefix of the Lease each agent renews in the operator's namespace: {@code nucleus-agent-<node>}. */
  public static final String AGENT_LEASE_PREFIX = "nucleus-agent-";

  /** Lease annotations written by the agent and read by the operator's placement. */
  public static final String ANNOTATION_LANDLOCK_ABI = GROUP + "/landlock-abi";
  public static final String ANNOTATION_CGROUP_MODE = GROUP + "/cgroup-mode";
  public static final String ANNOTATION_CRIU_USABLE = GROUP + "/criu-usable";
  public static final String ANNOTATION_RUNSC_USABLE = GROUP + "/runsc-usable";
  /** Whether the node's probe made a time namespace (spec.security.timeNamespace can run there). */
  public static final String ANNOTATION_TIME_NAMESPACES = GROUP + "/time-namespaces";
  public static final String ANNOTATION_KERNEL = GROUP + "/kernel";
  public static final String ANNOTATION_SANDBOXES_RUNNING = GROUP + "/sandboxes-running";
  public static final String ANNOTATION_MEMORY_COMMITTED_BYTES = GROUP + "/memory-committed-bytes";
  public static final String ANNOTATION_MEMORY_ALLOCATABLE_BYTES = GROUP + "/memory-allocatable-bytes";
  /** Node labels copied by the agent so placement can match nodeSelector without reading Node objects. */
  public static final String ANNOTATION_NODE_LABELS = GROUP + "/node-labels";
  /** Annotation the agent sets to its node name once every process, cgroup, mount and directory is gone. */
  public static final String ANNOTATION_TEARDOWN_COMPLETE = GROUP + "/teardown-complete";

  public static String agentLeaseName(String nodeName) {
    return AGENT_LEASE_PREFIX + nodeName;
  }

  private NucleusNames() {}
}
