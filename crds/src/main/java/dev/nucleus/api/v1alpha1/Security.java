package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** The security walls of a sandbox beyond namespaces and cgroups. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Security {
  @JsonPropertyDescription("System-call filter; the Default profile when omitted.")
  private Seccomp seccomp;

  @JsonPropertyDescription("Filesystem and TCP-port access rules; the node agent's defaults when omitted.")
  private Landlock landlock;

  @JsonPropertyDescription("Capabilities kept on top of drop-all; none when omitted.")
  private Capabilities capabilities;

  @JsonPropertyDescription(
      "User id the workload runs as (inside the user namespace when userNamespace is true). " +
      "Default 0.")
  @Min(0)
  @Max(4294967294L)
  private Long runAsUser;

  @JsonPropertyDescription("Group id the workload runs as. Default 0.")
  @Min(0)
  @Max(4294967294L)
  private Long runAsGroup;

  @JsonPropertyDescription(
      "Run in a new user namespace mapped to an unprivileged host id range, so root inside is " +
      "nobody outside. Default false.")
  private Boolean userNamespace;

  @JsonPropertyDescription(
      "Run in a new time namespace (offsets 0), so a checkpoint restored on another node or after a " +
      "reboot continues CLOCK_MONOTONIC and CLOCK_BOOTTIME from where they stood instead of jumping. " +
      "Default false.")
  private Boolean timeNamespace;

  @JsonPropertyDescription(
      "Mount the root filesystem read-only even when rootfs.writable is true (/tmp and volumes " +
      "stay as declared). Default false.")
  private Boolean readOnlyRootfs;

  public Seccomp getSeccomp() {
    return seccomp;
  }

  public Security setSeccomp(Seccomp seccomp) {
    this.seccomp = seccomp;
    return this;
  }

  public Landlock getLandlock() {
    return landlock;
  }

  public Security setLandlock(Landlock landlock) {
    this.landlock = landlock;
    return this;
  }

  public Capabilities getCapabilities() {
    return capabilities;
  }

  public Security setCapabilities(Capabilities capabilities) {
    this.capabilities = capabilities;
    return this;
  }

  public Long getRunAsUser() {
    return runAsUser;
  }

  public Security setRunAsUser(Long runAsUser) {
    this.runAsUser = runAsUser;
    return this;
  }

  public Long getRunAsGroup() {
    return runAsGroup;
  }

  public Security setRunAsGroup(Long runAsGroup) {
    this.runAsGroup = runAsGroup;
    return this;
  }

  public Boolean getUserNamespace() {
    return userNamespace;
  }

  public Security setUserNamespace(Boolean userNamespace) {
    this.userNamespace = userNamespace;
    return this;
  }

  public Boolean getTimeNamespace() {
    return timeNamespace;
  }

  public Security setTimeNamespace(Boolean timeNamespace) {
    this.timeNamespace = timeNamespace;
    return this;
  }

  public Boolean getReadOnlyRootfs() {
    return readOnlyRootfs;
  }

  public Security setReadOnlyRootfs(Boolean readOnlyRootfs) {
    this.readOnlyRootfs = readOnlyRootfs;
    return this;
  }
}
