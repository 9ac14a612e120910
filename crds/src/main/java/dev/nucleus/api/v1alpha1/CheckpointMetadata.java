package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** The metadata recorded with a checkpoint image (metadata.json), as the original nucleus wrote it plus the limits. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointMetadata {
  @JsonPropertyDescription("Id of the checkpointed sandbox on its node (container_id).")
  private String containerId;

  @JsonPropertyDescription("Name of the checkpointed sandbox (container_name).")
  private String containerName;

  @JsonPropertyDescription("Host PID of the sandbox's init when it was dumped (original_pid).")
  private Long originalPid;

  @JsonPropertyDescription("Command line the sandbox ran (command).")
  private List<String> command;

  @JsonPropertyDescription("When the dump was taken, RFC 3339 (checkpoint_at).")
  private String checkpointAt;

  @JsonPropertyDescription("Nucleus version that wrote the image (version).")
  private String version;

  @JsonPropertyDescription("Whether the sandbox ran under gVisor (using_gvisor).")
  private Boolean usingGvisor;

  @JsonPropertyDescription("Whether the sandbox ran in a user namespace without host root (rootless).")
  private Boolean rootless;

  @JsonPropertyDescription("Resource limits the sandbox ran with, re-applied on restore.")
  private RecordedResources resources;

  public String getContainerId() {
    return containerId;
  }

  public CheckpointMetadata setContainerId(String containerId) {
    this.containerId = containerId;
    return this;
  }

  public String getContainerName() {
    return containerName;
  }

  public CheckpointMetadata setContainerName(String containerName) {
    this.containerName = containerName;
    return this;
  }

  public Long getOriginalPid() {
    return originalPid;
  }

  public CheckpointMetadata setOriginalPid(Long originalPid) {
    this.originalPid = originalPid;
    return this;
  }

  public List<String> getCommand() {
    return command;
  }

  public CheckpointMetadata setCommand(List<String> command) {
    this.command = command;
    return this;
  }

  public String getCheckpointAt() {
    return checkpointAt;
  }

  public CheckpointMetadata setCheckpointAt(String checkpointAt) {
    this.checkpointAt = checkpointAt;
    return this;
  }

  public String getVersion() {
    return version;
  }

  public CheckpointMetadata setVersion(String version) {
    this.version = version;
    return this;
  }

  public Boolean getUsingGvisor() {
    return usingGvisor;
  }

  public CheckpointMetadata setUsingGvisor(Boolean usingGvisor) {
    this.usingGvisor = usingGvisor;
    return this;
  }

  public Boolean getRootless() {
    return rootless;
  }

  public CheckpointMetadata setRootless(Boolean rootless) {
    this.rootless = rootless;
    return this;
  }

  public RecordedResources getResources() {
    return resources;
  }

  public CheckpointMetadata setResources(RecordedResources resources) {
    this.resources = resources;
    return this;
  }
}
