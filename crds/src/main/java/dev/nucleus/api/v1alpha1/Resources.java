package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** Resource limits enforced through the sandbox's cgroup. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Resources {
  @JsonPropertyDescription(
      "Memory limit as a Kubernetes quantity in bytes (e.g. 256Mi, 1Gi). Swap is disabled; " +
      "exceeding the limit OOM-kills the sandbox (reason OOMKilled). Unlimited when omitted.")
  @Pattern(ApiPatterns.BYTE_QUANTITY)
  private String memory;

  @JsonPropertyDescription(
      "CPU limit as a Kubernetes quantity (e.g. 500m or 1.5), enforced as a CFS quota. Unlimited " +
      "when omitted.")
  @Pattern(ApiPatterns.CPU_QUANTITY)
  private String cpu;

  @JsonPropertyDescription(
      "Maximum number of processes and threads (pids.max); also sets RLIMIT_NPROC. Stops fork " +
      "bombs.")
  @Min(1)
  @Max(4194304)
  private Long pids;

  @JsonPropertyDescription(
      "Relative block-IO weight (cgroup v2 io.weight, 1 to 10000, kernel default 100). Applied " +
      "where the node's io controller allows it.")
  @Min(1)
  @Max(10000)
  private Integer ioWeight;

  public String getMemory() {
    return memory;
  }

  public Resources setMemory(String memory) {
    this.memory = memory;
    return this;
  }

  public String getCpu() {
    return cpu;
  }

  public Resources setCpu(String cpu) {
    this.cpu = cpu;
    return this;
  }

  public Long getPids() {
    return pids;
  }

  public Resources setPids(Long pids) {
    this.pids = pids;
    return this;
  }

  public Integer getIoWeight() {
    return ioWeight;
  }

  public Resources setIoWeight(Integer ioWeight) {
    this.ioWeight = ioWeight;
    return this;
  }
}
