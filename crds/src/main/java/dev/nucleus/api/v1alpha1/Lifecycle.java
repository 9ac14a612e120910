package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** Time limits, restarts and stop behaviour of a sandbox. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Lifecycle {
  @JsonPropertyDescription(
      "Seconds the workload may run before it is stopped with reason DeadlineExceeded. No " +
      "deadline when omitted.")
  @Min(1)
  @Max(31536000)
  private Long activeDeadlineSeconds;

  @JsonPropertyDescription(
      "Seconds after the sandbox finished (Succeeded or Failed) before the operator deletes it. " +
      "Kept forever when omitted.")
  @Min(0)
  @Max(31536000)
  private Long ttlSecondsAfterFinished;

  @JsonPropertyDescription(
      "Never (default) or OnFailure: start the sandbox again after a failure or the loss of its " +
      "node.")
  @Default("Never")
  private RestartPolicy restartPolicy;

  @JsonPropertyDescription(
      "Seconds between SIGTERM and killing the whole cgroup when the sandbox is stopped or " +
      "deleted. Default 10.")
  @Min(0)
  @Max(3600)
  @Default("10")
  private Long stopGracePeriodSeconds;

  public Long getActiveDeadlineSeconds() {
    return activeDeadlineSeconds;
  }

  public Lifecycle setActiveDeadlineSeconds(Long activeDeadlineSeconds) {
    this.activeDeadlineSeconds = activeDeadlineSeconds;
    return this;
  }

  public Long getTtlSecondsAfterFinished() {
    return ttlSecondsAfterFinished;
  }

  public Lifecycle setTtlSecondsAfterFinished(Long ttlSecondsAfterFinished) {
    this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
    return this;
  }

  public RestartPolicy getRestartPolicy() {
    return restartPolicy;
  }

  public Lifecycle setRestartPolicy(RestartPolicy restartPolicy) {
    this.restartPolicy = restartPolicy;
    return this;
  }

  public Long getStopGracePeriodSeconds() {
    return stopGracePeriodSeconds;
  }

  public Lifecycle setStopGracePeriodSeconds(Long stopGracePeriodSeconds) {
    this.stopGracePeriodSeconds = stopGracePeriodSeconds;
    return this;
  }
}
