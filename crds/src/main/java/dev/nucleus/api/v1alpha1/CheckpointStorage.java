package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** Where a checkpoint image is written on the node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointStorage {
  @JsonPropertyDescription(
      "Absolute node-local directory under which the checkpoint directory is created. Default: " +
      "the node agent's state directory.")
  @Pattern(ApiPatterns.ABSOLUTE_PATH)
  @Size(max = ApiPatterns.PATH_MAX)
  private String path;

  public String getPath() {
    return path;
  }

  public CheckpointStorage setPath(String path) {
    this.path = path;
    return this;
  }
}
