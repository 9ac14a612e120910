package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** What is true about a NucleusSandbox: the operator writes placement and conditions, the node agent the process facts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NucleusSandboxStatus {
  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Summary phase, derived from the conditions.")
  private SandboxPhase phase;

  @JsonPropertyDescription("Standard conditions: Scheduled, Started, Ready, Isolated, Completed.")
  private List<Condition> conditions;

  @JsonPropertyDescription("Node the sandbox is placed on (written by the operator).")
  private String nodeName;

  @JsonPropertyDescription("Id of the sandbox on its node (its state directory name).")
  private String sandboxId;

  @JsonPropertyDescription("Host PID of the sandbox's init process while it runs.")
  private Long pid;

  @JsonPropertyDescription("When the workload started, RFC 3339.")
  private String startedAt;

  @JsonPropertyDescription("When the workload finished, RFC 3339.")
  private String finishedAt;

  @JsonPropertyDescription("Exit code of the workload; 128 + signal number when killed by a signal.")
  private Integer exitCode;

  @JsonPropertyDescription("Stable CamelCase reason for the current phase (e.g. OOMKilled, DeadlineExceeded).")
  private String reason;

  @JsonPropertyDescription("Human-readable detail for the current phase.")
  private String message;

  @JsonPropertyDescription("The isolation actually enforced, as the node agent applied it.")
  private Isolation isolation;

  @JsonPropertyDescription("Resource usage read back from the sandbox's cgroup.")
  private Usage usage;

  @JsonPropertyDescription("Last lines of the workload's output (capped at 4 KiB); the full log stays on the node.")
  private String logTail;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public NucleusSandboxStatus setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
    return this;
  }

  public SandboxPhase getPhase() {
    return phase;
  }

  public NucleusSandboxStatus setPhase(SandboxPhase phase) {
    this.phase = phase;
    return this;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public NucleusSandboxStatus setConditions(List<Condition> conditions) {
    this.conditions = conditions;
    return this;
  }

  public String getNodeName() {
    return nodeName;
  }

  public NucleusSandboxStatus setNodeName(String nodeName) {
    this.nodeName = nodeName;
    return this;
  }

  public String getSandboxId() {
    return sandboxId;
  }

  public NucleusSandboxStatus setSandboxId(String sandboxId) {
    this.sandboxId = sandboxId;
    return this;
  }

  public Long getPid() {
    return pid;
  }

  public NucleusSandboxStatus setPid(Long pid) {
    this.pid = pid;
    return this;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public NucleusSandboxStatus setStartedAt(String startedAt) {
    this.startedAt = startedAt;
    return this;
  }

  public String getFinishedAt() {
    return finishedAt;
  }

  public NucleusSandboxStatus setFinishedAt(String finishedAt) {
    this.finishedAt = finishedAt;
    return this;
  }

  public Integer getExitCode() {
    return exitCode;
  }

  public NucleusSandboxStatus setExitCode(Integer exitCode) {
    this.exitCode = exitCode;
    return this;
  }

  public String getReason() {
    return reason;
  }

  public NucleusSandboxStatus setReason(String reason) {
    this.reason = reason;
    return this;
  }

  public String getMessage() {
    return message;
  }

  public NucleusSandboxStatus setMessage(String message) {
    this.message = message;
    return this;
  }

  public Isolation getIsolation() {
    return isolation;
  }

  public NucleusSandboxStatus setIsolation(Isolation isolation) {
    this.isolation = isolation;
    return this;
  }

  public Usage getUsage() {
    return usage;
  }

  public NucleusSandboxStatus setUsage(Usage usage) {
    this.usage = usage;
    return this;
  }

  public String getLogTail() {
    return logTail;
  }

  public NucleusSandboxStatus setLogTail(String logTail) {
    this.logTail = logTail;
    return this;
  }
}
