package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** One environment variable of a sandbox's workload. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class EnvVar {
  @JsonPropertyDescription(
      "Name of the variable. Variables that change how the dynamic loader behaves (LD_PRELOAD and " +
      "the like) are refused by the node agent.")
  @Required
  @Pattern(ApiPatterns.ENV_NAME)
  @Size(min = 1, max = 256)
  private String name;

  @JsonPropertyDescription("Value of the variable; empty when omitted.")
  @Size(max = 32768)
  private String value;

  public String getName() {
    return name;
  }

  public EnvVar setName(String name) {
    this.name = name;
    return this;
  }

  public String getValue() {
    return value;
  }

  public EnvVar setValue(String value) {
    this.value = value;
    return this;
  }
}
