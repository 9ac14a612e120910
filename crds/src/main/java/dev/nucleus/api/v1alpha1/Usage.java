package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Resource usage of a sandbox read back from its cgroup. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Usage {
  @JsonPropertyDescription("Memory currently charged to the sandbox, in bytes.")
  private Long memoryCurrentBytes;

  @JsonPropertyDescription("Highest memory charge seen, in bytes.")
  private Long memoryPeakBytes;

  @JsonPropertyDescription("CPU time consumed by all the sandbox's processes, in seconds.")
  private Double cpuSeconds;

  @JsonPropertyDescription("Processes and threads currently in the sandbox.")
  private Long pids;

  public Long getMemoryCurrentBytes() {
    return memoryCurrentBytes;
  }

  public Usage setMemoryCurrentBytes(Long memoryCurrentBytes) {
    this.memoryCurrentBytes = memoryCurrentBytes;
    return this;
  }

  public Long getMemoryPeakBytes() {
    return memoryPeakBytes;
  }

  public Usage setMemoryPeakBytes(Long memoryPeakBytes) {
    this.memoryPeakBytes = memoryPeakBytes;
    return this;
  }

  public Double getCpuSeconds() {
    return cpuSeconds;
  }

  public Usage setCpuSeconds(Double cpuSeconds) {
    this.cpuSeconds = cpuSeconds;
    return this;
  }

  public Long getPids() {
    return pids;
  }

  public Usage setPids(Long pids) {
    this.pids = pids;
    return this;
  }
}
