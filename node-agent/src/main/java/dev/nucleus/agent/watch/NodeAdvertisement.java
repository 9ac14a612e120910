package dev.nucleus.agent.watch;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nucleus.agent.node.NodeCapabilities;
import dev.nucleus.api.v1alpha1.NucleusNames;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What this node can enforce, as the agent advertises it on its Lease for the operator's placement.
 * Filled from the node probe; the load part comes from the agent's own bookkeeping.
 */
public record NodeAdvertisement(
    int landlockAbi,
    String cgroupMode,
    boolean criuUsable,
    boolean runscUsable,
    String kernel,
    long memoryAllocatableBytes,
    boolean timeNamespaces) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public NodeAdvertisement {
    Objects.requireNonNull(cgroupMode, "cgroupMode");
    Objects.requireNonNull(kernel, "kernel");
  }

  /** An advertisement of a node that did not report time namespaces. */
  public NodeAdvertisement(int landlockAbi, String cgroupMode, boolean criuUsable, boolean runscUsable, String kernel,
      long memoryAllocatableBytes) {
    this(landlockAbi, cgroupMode, criuUsable, runscUsable, kernel, memoryAllocatableBytes, false);
  }

  /** What the node probe found, plus the memory placement may commit here. */
  public static NodeAdvertisement of(NodeCapabilities probed, long memoryAllocatableBytes) {
    return new NodeAdvertisement(probed.landlockAbi(), probed.cgroupMode(), probed.criuUsable(), probed.runscUsable(),
        probed.kernelRelease(), memoryAllocatableBytes, probed.timeNamespaces());
  }

  /** The Lease annotations for these capabilities plus the given load and node labels. */
  public Map<String, String> annotations(Load load, Map<String, String> nodeLabels) {
    Map<String, String> a = new LinkedHashMap<>();
    a.put(NucleusNames.ANNOTATION_LANDLOCK_ABI, Integer.toString(landlockAbi));
    a.put(NucleusNames.ANNOTATION_CGROUP_MODE, cgroupMode);
    a.put(NucleusNames.ANNOTATION_CRIU_USABLE, Boolean.toString(criuUsable));
    a.put(NucleusNames.ANNOTATION_RUNSC_USABLE, Boolean.toString(runscUsable));
    a.put(NucleusNames.ANNOTATION_TIME_NAMESPACES, Boolean.toString(timeNamespaces));
    a.put(NucleusNames.ANNOTATION_KERNEL, kernel);
    a.put(NucleusNames.ANNOTATION_SANDBOXES_RUNNING, Integer.toString(load.sandboxesRunning()));
    a.put(NucleusNames.ANNOTATION_MEMORY_COMMITTED_BYTES, Long.toString(load.memoryCommittedBytes()));
    a.put(NucleusNames.ANNOTATION_MEMORY_ALLOCATABLE_BYTES, Long.toString(memoryAllocatableBytes));
    if (nodeLabels != null) {
      try {
        a.put(NucleusNames.ANNOTATION_NODE_LABELS, JSON.writeValueAsString(new TreeMap<>(nodeLabels)));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("string map not serialisable", e);
      }
    }
    return a;
  }

  /** How loaded the node is: what runs and how much memory the sandboxes placed here may claim. */
  public record Load(int sandboxesRunning, long memoryCommittedBytes) {}
}
