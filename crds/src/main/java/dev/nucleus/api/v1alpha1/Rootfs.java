package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The root filesystem a sandbox sees: the host's system directories read-only, or a directory on the node. */
@ValidationRule(value = "(has(self.host) && self.host) != has(self.path)",
    message = "set exactly one of rootfs.host: true or rootfs.path")
@ValidationRule(value = "!has(self.writable) || !self.writable || has(self.path)",
    message = "rootfs.writable applies only to rootfs.path")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Rootfs {
  @JsonPropertyDescription(
      "Bind the host's system directories (/usr, /bin, /lib...) read-only with nosuid,nodev, a " +
      "curated /etc without secrets and a fresh tmpfs /tmp. This is the default when rootfs is " +
      "omitted. Exclusive with path.")
  private Boolean host;

  @JsonPropertyDescription(
      "Absolute path of a directory on the node to use as the root filesystem. Exclusive with " +
      "host.")
  @Pattern(ApiPatterns.ABSOLUTE_PATH)
  @Size(max = ApiPatterns.PATH_MAX)
  private String path;

  @JsonPropertyDescription(
      "With path: make the root filesystem writable through an overlay whose upper layer lives in " +
      "the sandbox's state directory (the node directory itself is never modified). Default " +
      "false.")
  private Boolean writable;

  public Boolean getHost() {
    return host;
  }

  public Rootfs setHost(Boolean host) {
    this.host = host;
    return this;
  }

  public String getPath() {
    return path;
  }

  public Rootfs setPath(String path) {
    this.path = path;
    return this;
  }

  public Boolean getWritable() {
    return writable;
  }

  public Rootfs setWritable(Boolean writable) {
    this.writable = writable;
    return this;
  }
}
