package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.ValidationRule;

/** The network of a sandbox. */
@ValidationRule(value = "!has(self.mode) || self.mode != 'Bridge'",
    message = "network.mode Bridge is reserved and not implemented yet: use None or Host")
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Network {
  @JsonPropertyDescription(
      "None (default): a private network namespace with loopback only. Host: the node's network " +
      "(explicit opt-in). Bridge is reserved and rejected today.")
  @Default("None")
  private NetworkMode mode;

  public NetworkMode getMode() {
    return mode;
  }

  public Network setMode(NetworkMode mode) {
    this.mode = mode;
    return this;
  }
}
