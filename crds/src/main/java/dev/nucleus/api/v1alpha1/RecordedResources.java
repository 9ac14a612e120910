package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The resource limits a checkpointed sandbox ran with, re-applied on restore. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RecordedResources {
  @JsonPropertyDescription("Memory limit (a byte quantity), absent when unlimited.")
  private String memory;

  @JsonPropertyDescription("CPU limit (a CPU quantity), absent when unlimited.")
  private String cpu;

  @JsonPropertyDescription("Process limit, absent when unlimited.")
  private Long pids;

  @JsonPropertyDescription("Block-IO weight, absent when not set.")
  private Integer ioWeight;

  public String getMemory() {
    return memory;
  }

  public RecordedResources setMemory(String memory) {
    this.memory = memory;
    return this;
  }

  public String getCpu() {
    return cpu;
  }

  public RecordedResources setCpu(String cpu) {
    this.cpu = cpu;
    return this;
  }

  public Long getPids() {
    return pids;
  }

  public RecordedResources setPids(Long pids) {
    this.pids = pids;
    return this;
  }

  public Integer getIoWeight() {
    return ioWeight;
  }

  public RecordedResources setIoWeight(Integer ioWeight) {
    this.ioWeight = ioWeight;
    return this;
  }
}
