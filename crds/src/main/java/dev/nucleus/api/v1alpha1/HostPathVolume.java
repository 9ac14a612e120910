package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A directory or file of the node bound into the sandbox. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostPathVolume {
  @JsonPropertyDescription(
      "Absolute path on the node. Sensitive sources (/, /proc, /sys, /dev, /etc, /boot, /root, " +
      "/var/run) are refused by the node agent after resolving symlinks.")
  @Required
  @Pattern(ApiPatterns.ABSOLUTE_PATH)
  @Size(max = ApiPatterns.PATH_MAX)
  private String path;

  @JsonPropertyDescription("Mount read-only. Default false.")
  private Boolean readOnly;

  public String getPath() {
    return path;
  }

  public HostPathVolume setPath(String path) {
    this.path = path;
    return this;
  }

  public Boolean getReadOnly() {
    return readOnly;
  }

  public HostPathVolume setReadOnly(Boolean readOnly) {
    this.readOnly = readOnly;
    return this;
  }
}
