package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/** What is true about a NucleusCheckpoint: the operator writes placement and retries, the node agent the image facts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NucleusCheckpointStatus {
  @JsonPropertyDescription("The metadata.generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Pending, Running, Completed or Failed; Completed and Failed are terminal.")
  private CheckpointPhase phase;

  @JsonPropertyDescription("Standard conditions: Scheduled, Completed, Failed, Ready.")
  private List<Condition> conditions;

  @JsonPropertyDescription("Node holding the sandbox and the image.")
  private String nodeName;

  @JsonPropertyDescription("Absolute path of the checkpoint directory on that node.")
  private String location;

  @JsonPropertyDescription("When the latest attempt started, RFC 3339.")
  private String startedAt;

  @JsonPropertyDescription("When the checkpoint completed or finally failed, RFC 3339.")
  private String completedAt;

  @JsonPropertyDescription("Wall time of the successful dump, in milliseconds.")
  private Long durationMillis;

  @JsonPropertyDescription(
      "Time the sandbox's processes were frozen during the dump, as CRIU reports it, in " +
      "milliseconds.")
  private Long frozenMillis;

  @JsonPropertyDescription("Total size of the checkpoint directory, in bytes.")
  private Long sizeBytes;

  @JsonPropertyDescription("Digest of the signed manifest over the whole directory (sha256:<hex>).")
  private String digest;

  @JsonPropertyDescription("Attempts made so far, including the current one.")
  private Integer attempts;

  @JsonPropertyDescription("Stable CamelCase reason for the current phase (e.g. CriuUnavailable).")
  private String reason;

  @JsonPropertyDescription("Human-readable detail, with the relevant CRIU log lines on failure.")
  private String message;

  @JsonPropertyDescription("The metadata recorded with the image.")
  private CheckpointMetadata metadata;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public NucleusCheckpointStatus setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
    return this;
  }

  public CheckpointPhase getPhase() {
    return phase;
  }

  public NucleusCheckpointStatus setPhase(CheckpointPhase phase) {
    this.phase = phase;
    return this;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public NucleusCheckpointStatus setConditions(List<Condition> conditions) {
    this.conditions = conditions;
    return this;
  }

  public String getNodeName() {
    return nodeName;
  }

  public NucleusCheckpointStatus setNodeName(String nodeName) {
    this.nodeName = nodeName;
    return this;
  }

  public String getLocation() {
    return location;
  }

  public NucleusCheckpointStatus setLocation(String location) {
    this.location = location;
    return this;
  }

  public String getStartedAt() {
    return startedAt;
  }

  public NucleusCheckpointStatus setStartedAt(String startedAt) {
    this.startedAt = startedAt;
    return this;
  }

  public String getCompletedAt() {
    return completedAt;
  }

  public NucleusCheckpointStatus setCompletedAt(String completedAt) {
    this.completedAt = completedAt;
    return this;
  }

  public Long getDurationMillis() {
    return durationMillis;
  }

  public NucleusCheckpointStatus setDurationMillis(Long durationMillis) {
    this.durationMillis = durationMillis;
    return this;
  }

  public Long getFrozenMillis() {
    return frozenMillis;
  }

  public NucleusCheckpointStatus setFrozenMillis(Long frozenMillis) {
    this.frozenMillis = frozenMillis;
    return this;
  }

  public Long getSizeBytes() {
    return sizeBytes;
  }

  public NucleusCheckpointStatus setSizeBytes(Long sizeBytes) {
    this.sizeBytes = sizeBytes;
    return this;
  }

  public String getDigest() {
    return digest;
  }

  public NucleusCheckpointStatus setDigest(String digest) {
    this.digest = digest;
    return this;
  }

  public Integer getAttempts() {
    return attempts;
  }

  public NucleusCheckpointStatus setAttempts(Integer attempts) {
    this.attempts = attempts;
    return this;
  }

  public String getReason() {
    return reason;
  }

  public NucleusCheckpointStatus setReason(String reason) {
    this.reason = reason;
    return this;
  }

  public String getMessage() {
    return message;
  }

  public NucleusCheckpointStatus setMessage(String message) {
    this.message = message;
    return this;
  }

  public CheckpointMetadata getMetadata() {
    return metadata;
  }

  public NucleusCheckpointStatus setMetadata(CheckpointMetadata metadata) {
    this.metadata = metadata;
    return this;
  }
}
