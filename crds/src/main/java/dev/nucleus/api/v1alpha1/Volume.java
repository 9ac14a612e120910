package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** A filesystem mounted into the sandbox: exactly one of hostPath or tmpfs. */
@ValidationRule(value = "has(self.hostPath) != has(self.tmpfs)",
    message = "a volume needs exactly one of hostPath or tmpfs")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Volume {
  @JsonPropertyDescription("Name of the volume, unique within the sandbox (a DNS label).")
  @Required
  @Pattern(ApiPatterns.DNS_LABEL)
  @Size(min = 1, max = 63)
  private String name;

  @JsonPropertyDescription("Absolute path inside the sandbox where the volume appears.")
  @Required
  @Pattern(ApiPatterns.ABSOLUTE_PATH)
  @Size(max = ApiPatterns.PATH_MAX)
  private String mountPath;

  @JsonPropertyDescription("Bind a node path. Exclusive with tmpfs.")
  private HostPathVolume hostPath;

  @JsonPropertyDescription("Mount a fresh tmpfs. Exclusive with hostPath.")
  private TmpfsVolume tmpfs;

  public String getName() {
    return name;
  }

  public Volume setName(String name) {
    this.name = name;
    return this;
  }

  public String getMountPath() {
    return mountPath;
  }

  public Volume setMountPath(String mountPath) {
    this.mountPath = mountPath;
    return this;
  }

  public HostPathVolume getHostPath() {
    return hostPath;
  }

  public Volume setHostPath(HostPathVolume hostPath) {
    this.hostPath = hostPath;
    return this;
  }

  public TmpfsVolume getTmpfs() {
    return tmpfs;
  }

  public Volume setTmpfs(TmpfsVolume tmpfs) {
    this.tmpfs = tmpfs;
    return this;
  }
}
