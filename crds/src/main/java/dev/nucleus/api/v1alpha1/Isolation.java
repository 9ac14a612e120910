package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** The isolation actually enforced on a running sandbox, as its node agent applied it (not as requested). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Isolation {
  @JsonPropertyDescription("Namespaces the sandbox runs in (e.g. pid, mount, uts, ipc, cgroup, net, user, time).")
  private List<String> namespaces;

  @JsonPropertyDescription("Seccomp profile in force (Default, Strict or Unconfined).")
  private String seccompProfile;

  @JsonPropertyDescription("Number of system calls the seccomp filter allows.")
  private Integer seccompSyscallCount;

  @JsonPropertyDescription("Landlock ABI version used; 0 when Landlock is not enforced.")
  private Integer landlockAbi;

  @JsonPropertyDescription("Number of Landlock rules in the sandbox's domain.")
  private Integer landlockRuleCount;

  @JsonPropertyDescription(
      "Whether a Landlock domain restricts the workload (false after a restore, see " +
      "LandlockNotRestored).")
  private Boolean landlockEnforced;

  @JsonPropertyDescription("Cgroup layout used for limits: v1, v2 or hybrid.")
  private String cgroupVersion;

  @JsonPropertyDescription("Runtime that isolates the workload (Native).")
  private String runtime;

  @JsonPropertyDescription("Network mode in force (None or Host).")
  private String networkMode;

  @JsonPropertyDescription("Whether the workload runs in its own user namespace.")
  private Boolean userNamespace;

  @JsonPropertyDescription("Capabilities the workload holds (empty: none).")
  private List<String> capabilities;

  public List<String> getNamespaces() {
    return namespaces;
  }

  public Isolation setNamespaces(List<String> namespaces) {
    this.namespaces = namespaces;
    return this;
  }

  public String getSeccompProfile() {
    return seccompProfile;
  }

  public Isolation setSeccompProfile(String seccompProfile) {
    this.seccompProfile = seccompProfile;
    return this;
  }

  public Integer getSeccompSyscallCount() {
    return seccompSyscallCount;
  }

  public Isolation setSeccompSyscallCount(Integer seccompSyscallCount) {
    this.seccompSyscallCount = seccompSyscallCount;
    return this;
  }

  public Integer getLandlockAbi() {
    return landlockAbi;
  }

  public Isolation setLandlockAbi(Integer landlockAbi) {
    this.landlockAbi = landlockAbi;
    return this;
  }

  public Integer getLandlockRuleCount() {
    return landlockRuleCount;
  }

  public Isolation setLandlockRuleCount(Integer landlockRuleCount) {
    this.landlockRuleCount = landlockRuleCount;
    return this;
  }

  public Boolean getLandlockEnforced() {
    return landlockEnforced;
  }

  public Isolation setLandlockEnforced(Boolean landlockEnforced) {
    this.landlockEnforced = landlockEnforced;
    return this;
  }

  public String getCgroupVersion() {
    return cgroupVersion;
  }

  public Isolation setCgroupVersion(String cgroupVersion) {
    this.cgroupVersion = cgroupVersion;
    return this;
  }

  public String getRuntime() {
    return runtime;
  }

  public Isolation setRuntime(String runtime) {
    this.runtime = runtime;
    return this;
  }

  public String getNetworkMode() {
    return networkMode;
  }

  public Isolation setNetworkMode(String networkMode) {
    this.networkMode = networkMode;
    return this;
  }

  public Boolean getUserNamespace() {
    return userNamespace;
  }

  public Isolation setUserNamespace(Boolean userNamespace) {
    this.userNamespace = userNamespace;
    return this;
  }

  public List<String> getCapabilities() {
    return capabilities;
  }

  public Isolation setCapabilities(List<String> capabilities) {
    this.capabilities = capabilities;
    return this;
  }
}
