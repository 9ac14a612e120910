package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** A reference to an object of a known kind in the same namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LocalObjectReference {
  @JsonPropertyDescription("Name of the referenced object, in the same namespace.")
  @Required
  @Pattern(ApiPatterns.DNS_SUBDOMAIN)
  @Size(min = 1, max = 253)
  private String name;

  public String getName() {
    return name;
  }

  public LocalObjectReference setName(String name) {
    this.name = name;
    return this;
  }
}
