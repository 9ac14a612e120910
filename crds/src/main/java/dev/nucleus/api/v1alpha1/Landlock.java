package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Landlock rules of a sandbox: filesystem access and TCP ports on top of the node agent's defaults (read and execute the system, write /tmp, /dev/shm and read-write volumes). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Landlock {
  @JsonPropertyDescription("Absolute paths the workload may read (files and directory trees).")
  @Size(max = 64)
  private List<@Pattern(ApiPatterns.ABSOLUTE_PATH) @Size(max = ApiPatterns.PATH_MAX) String> readOnly;

  @JsonPropertyDescription("Absolute paths the workload may read and write, including creating and removing entries.")
  @Size(max = 64)
  private List<@Pattern(ApiPatterns.ABSOLUTE_PATH) @Size(max = ApiPatterns.PATH_MAX) String> readWrite;

  @JsonPropertyDescription("Absolute paths the workload may read and execute.")
  @Size(max = 64)
  private List<@Pattern(ApiPatterns.ABSOLUTE_PATH) @Size(max = ApiPatterns.PATH_MAX) String> execute;

  @JsonPropertyDescription(
      "TCP ports the workload may bind (needs Landlock ABI 4). When set, binding any other TCP " +
      "port is denied.")
  @Size(max = 64)
  private List<@Min(1) @Max(65535) Integer> tcpBind;

  @JsonPropertyDescription(
      "TCP ports the workload may connect to (needs Landlock ABI 4). When set, connecting to any " +
      "other TCP port is denied.")
  @Size(max = 64)
  private List<@Min(1) @Max(65535) Integer> tcpConnect;

  @JsonPropertyDescription(
      "CRIU does not restore Landlock domains. A restore of a sandbox that had Landlock rules is " +
      "refused unless this is true; the restored sandbox then runs without Landlock and its " +
      "Isolated condition says LandlockNotRestored. Default false.")
  private Boolean allowNotRestored;

  public List<String> getReadOnly() {
    return readOnly;
  }

  public Landlock setReadOnly(List<String> readOnly) {
    this.readOnly = readOnly;
    return this;
  }

  public List<String> getReadWrite() {
    return readWrite;
  }

  public Landlock setReadWrite(List<String> readWrite) {
    this.readWrite = readWrite;
    return this;
  }

  public List<String> getExecute() {
    return execute;
  }

  public Landlock setExecute(List<String> execute) {
    this.execute = execute;
    return this;
  }

  public List<Integer> getTcpBind() {
    return tcpBind;
  }

  public Landlock setTcpBind(List<Integer> tcpBind) {
    this.tcpBind = tcpBind;
    return this;
  }

  public List<Integer> getTcpConnect() {
    return tcpConnect;
  }

  public Landlock setTcpConnect(List<Integer> tcpConnect) {
    this.tcpConnect = tcpConnect;
    return this;
  }

  public Boolean getAllowNotRestored() {
    return allowNotRestored;
  }

  public Landlock setAllowNotRestored(Boolean allowNotRestored) {
    this.allowNotRestored = allowNotRestored;
    return this;
  }
}
