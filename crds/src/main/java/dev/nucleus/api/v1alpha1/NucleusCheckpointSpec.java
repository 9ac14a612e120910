package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Which sandbox to checkpoint and how; immutable once created. */
@ValidationRule(value = "self == oldSelf",
    message = "spec is immutable: create a new NucleusCheckpoint instead")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NucleusCheckpointSpec {
  @JsonPropertyDescription("The running NucleusSandbox to checkpoint, in the same namespace.")
  @Required
  private LocalObjectReference sandboxRef;

  @JsonPropertyDescription(
      "Keep the sandbox running after a successful dump. Default false: the sandbox stops (phase " +
      "Succeeded, reason Checkpointed), as docker, podman and CRIU do.")
  @Default("false")
  private Boolean leaveRunning;

  @JsonPropertyDescription("Where the image is written; the node agent's state directory when omitted.")
  private CheckpointStorage storage;

  @JsonPropertyDescription(
      "Seconds after the checkpoint reached Completed or Failed before the operator deletes it " +
      "(and its image). Kept forever when omitted.")
  @Min(0)
  @Max(31536000)
  private Long ttlSecondsAfterCompletion;

  @JsonPropertyDescription(
      "Retries after a failed attempt, with exponential backoff, before the checkpoint is Failed. " +
      "Default 3.")
  @Min(0)
  @Max(10)
  @Default("3")
  private Integer backoffLimit;

  public LocalObjectReference getSandboxRef() {
    return sandboxRef;
  }

  public NucleusCheckpointSpec setSandboxRef(LocalObjectReference sandboxRef) {
    this.sandboxRef = sandboxRef;
    return this;
  }

  public Boolean getLeaveRunning() {
    return leaveRunning;
  }

  public NucleusCheckpointSpec setLeaveRunning(Boolean leaveRunning) {
    this.leaveRunning = leaveRunning;
    return this;
  }

  public CheckpointStorage getStorage() {
    return storage;
  }

  public NucleusCheckpointSpec setStorage(CheckpointStorage storage) {
    this.storage = storage;
    return this;
  }

  public Long getTtlSecondsAfterCompletion() {
    return ttlSecondsAfterCompletion;
  }

  public NucleusCheckpointSpec setTtlSecondsAfterCompletion(Long ttlSecondsAfterCompletion) {
    this.ttlSecondsAfterCompletion = ttlSecondsAfterCompletion;
    return this;
  }

  public Integer getBackoffLimit() {
    return backoffLimit;
  }

  public NucleusCheckpointSpec setBackoffLimit(Integer backoffLimit) {
    this.backoffLimit = backoffLimit;
    return this;
  }
}
