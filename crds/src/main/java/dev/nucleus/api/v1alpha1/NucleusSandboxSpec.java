package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/** What a NucleusSandbox runs and under which walls; the node agent turns it into a launch plan. */
@ValidationRule(value = "has(self.command) || has(self.restoreFrom)",
    message = "spec.command is required unless spec.restoreFrom is set")
@ValidationRule(value = "!has(self.command) || !has(self.restoreFrom)",
    message = "spec.command must not be set with spec.restoreFrom: a restore resumes the checkpointed process")
@ValidationRule(value = "!has(self.restoreFrom) || !(has(self.env) || has(self.workingDir) || has(self.hostname)"
    + " || has(self.rootfs) || has(self.resources) || has(self.network) || has(self.volumes))",
    message = "spec.env, workingDir, hostname, rootfs, resources, network and volumes must not be set with "
    + "spec.restoreFrom: a restore takes them from the checkpoint")
@ValidationRule(value = "!has(self.args) || has(self.command)",
    message = "spec.args needs spec.command")
@ValidationRule(value = "has(self.restoreFrom) == has(oldSelf.restoreFrom)"
    + " && (!has(self.restoreFrom) || self.restoreFrom == oldSelf.restoreFrom)",
    message = "spec.restoreFrom is immutable")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NucleusSandboxSpec {
  @JsonPropertyDescription(
      "Executable and its leading arguments, resolved inside the sandbox's root filesystem (e.g. " +
      "[/bin/sh, -c]). Required unless restoreFrom is set, forbidden with it.")
  @Size(min = 1, max = 256)
  private List<@Size(min = 1, max = 4096) String> command;

  @JsonPropertyDescription("Further arguments appended to command.")
  @Size(max = 4096)
  private List<@Size(max = 131072) String> args;

  @JsonPropertyDescription(
      "Environment of the workload; nothing of the agent's environment leaks in. Names must be " +
      "unique.")
  @Size(max = 256)
  @ValidationRule(value = "self.all(e, self.exists_one(f, f.name == e.name))",
      message = "env names must be unique")
  private List<EnvVar> env;

  @JsonPropertyDescription("Absolute working directory inside the sandbox. Default /.")
  @Pattern(ApiPatterns.ABSOLUTE_PATH)
  @Size(max = ApiPatterns.PATH_MAX)
  private String workingDir;

  @JsonPropertyDescription(
      "Hostname inside the sandbox's UTS namespace (a DNS label). Default: the object's name, " +
      "truncated to 63 characters.")
  @Pattern(ApiPatterns.DNS_LABEL)
  @Size(max = 63)
  private String hostname;

  @JsonPropertyDescription("Isolation runtime: Native (default). GVisor is reserved and rejected today.")
  @Default("Native")
  @ValidationRule(value = "self != 'GVisor'",
      message = "runtime GVisor is reserved and not implemented yet: use Native")
  private SandboxRuntime runtime;

  @JsonPropertyDescription("Root filesystem: the host's system directories read-only (default) or a node directory.")
  private Rootfs rootfs;

  @JsonPropertyDescription("Limits enforced through the sandbox's cgroup; unlimited when omitted.")
  private Resources resources;

  @JsonPropertyDescription("seccomp, Landlock, capabilities, user ids and user namespace.")
  private Security security;

  @JsonPropertyDescription("Network mode; a private namespace with loopback only when omitted.")
  private Network network;

  @JsonPropertyDescription("Host paths and tmpfs mounts. Names and mount paths must be unique.")
  @Size(max = 32)
  @ValidationRule(value = "self.all(v, self.exists_one(w, w.name == v.name))",
      message = "volume names must be unique")
  @ValidationRule(value = "self.all(v, self.exists_one(w, w.mountPath == v.mountPath))",
      message = "volume mountPaths must be unique")
  private List<Volume> volumes;

  @JsonPropertyDescription("Deadline, cleanup TTL, restart policy and stop grace period.")
  private Lifecycle lifecycle;

  @JsonPropertyDescription("Labels the node must carry for the sandbox to be placed there.")
  @Size(max = 32)
  private Map<String, String> nodeSelector;

  @JsonPropertyDescription(
      "Place the sandbox on this node only (it stays Pending with reason Unschedulable while that " +
      "node cannot take it).")
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @Size(max = 253)
  private String nodeName;

  @JsonPropertyDescription("Restore the sandbox from a checkpoint instead of starting command. Immutable once set.")
  private RestoreFrom restoreFrom;

  public List<String> getCommand() {
    return command;
  }

  public NucleusSandboxSpec setCommand(List<String> command) {
    this.command = command;
    return this;
  }

  public List<String> getArgs() {
    return args;
  }

  public NucleusSandboxSpec setArgs(List<String> args) {
    this.args = args;
    return this;
  }

  public List<EnvVar> getEnv() {
    return env;
  }

  public NucleusSandboxSpec setEnv(List<EnvVar> env) {
    this.env = env;
    return this;
  }

  public String getWorkingDir() {
    return workingDir;
  }

  public NucleusSandboxSpec setWorkingDir(String workingDir) {
    this.workingDir = workingDir;
    return this;
  }

  public String getHostname() {
    return hostname;
  }

  public NucleusSandboxSpec setHostname(String hostname) {
    this.hostname = hostname;
    return this;
  }

  public SandboxRuntime getRuntime() {
    return runtime;
  }

  public NucleusSandboxSpec setRuntime(SandboxRuntime runtime) {
    this.runtime = runtime;
    return this;
  }

  public Rootfs getRootfs() {
    return rootfs;
  }

  public NucleusSandboxSpec setRootfs(Rootfs rootfs) {
    this.rootfs = rootfs;
    return this;
  }

  public Resources getResources() {
    return resources;
  }

  public NucleusSandboxSpec setResources(Resources resources) {
    this.resources = resources;
    return this;
  }

  public Security getSecurity() {
    return security;
  }

  public NucleusSandboxSpec setSecurity(Security security) {
    this.security = security;
    return this;
  }

  public Network getNetwork() {
    return network;
  }

  public NucleusSandboxSpec setNetwork(Network network) {
    this.network = network;
    return this;
  }

  public List<Volume> getVolumes() {
    return volumes;
  }

  public NucleusSandboxSpec setVolumes(List<Volume> volumes) {
    this.volumes = volumes;
    return this;
  }

  public Lifecycle getLifecycle() {
    return lifecycle;
  }

  public NucleusSandboxSpec setLifecycle(Lifecycle lifecycle) {
    this.lifecycle = lifecycle;
    return this;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public NucleusSandboxSpec setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
    return this;
  }

  public String getNodeName() {
    return nodeName;
  }

  public NucleusSandboxSpec setNodeName(String nodeName) {
    this.nodeName = nodeName;
    return this;
  }

  public RestoreFrom getRestoreFrom() {
    return restoreFrom;
  }

  public NucleusSandboxSpec setRestoreFrom(RestoreFrom restoreFrom) {
    this.restoreFrom = restoreFrom;
    return this;
  }
}
