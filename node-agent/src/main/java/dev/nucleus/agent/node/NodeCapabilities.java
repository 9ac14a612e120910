package dev.nucleus.agent.node;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.nucleus.api.v1alpha1.NucleusNames;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What this node can enforce, as probed: printed by {@code nucleus check} and advertised on the agent's Lease.
 * Each optional runtime carries the reason it is or is not usable.
 */
public record NodeCapabilities(String kernelRelease, String cgroupMode, int landlockAbi, List<String> seccompActions,
    String libseccompVersion, boolean userNamespaces, String userNamespacesReason, boolean criuUsable,
    String criuReason, boolean runscUsable, String runscReason, boolean timeNamespaces, String timeNamespacesReason) {

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public NodeCapabilities {
    seccompActions = List.copyOf(seccompActions);
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("node capabilities are plain values and always serialise", e);
    }
  }

  public static NodeCapabilities fromJson(String json) {
    try {
      return JSON.readValue(json, NodeCapabilities.class);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not a node capabilities document: " + e.getOriginalMessage(), e);
    }
  }

  /** The Lease annotations the operator's placement reads (names from {@link NucleusNames}). */
  public Map<String, String> leaseAnnotations() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put(NucleusNames.ANNOTATION_KERNEL, kernelRelease);
    a.put(NucleusNames.ANNOTATION_CGROUP_MODE, cgroupMode);
    a.put(NucleusNames.ANNOTATION_LANDLOCK_ABI, Integer.toString(landlockAbi));
    a.put(NucleusNames.ANNOTATION_CRIU_USABLE, Boolean.toString(criuUsable));
    a.put(NucleusNames.ANNOTATION_RUNSC_USABLE, Boolean.toString(runscUsable));
    a.put(NucleusNames.ANNOTATION_TIME_NAMESPACES, Boolean.toString(timeNamespaces));
    return a;
  }
}
