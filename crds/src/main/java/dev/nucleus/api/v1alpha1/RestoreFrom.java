package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Required;

/** Where a sandbox is restored from instead of being started fresh. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestoreFrom {
  @JsonPropertyDescription(
      "The Completed NucleusCheckpoint, in the same namespace, whose image to restore. The " +
      "sandbox is placed on that checkpoint's node.")
  @Required
  private LocalObjectReference checkpointRef;

  public LocalObjectReference getCheckpointRef() {
    return checkpointRef;
  }

  public RestoreFrom setCheckpointRef(LocalObjectReference checkpointRef) {
    this.checkpointRef = checkpointRef;
    return this;
  }
}
