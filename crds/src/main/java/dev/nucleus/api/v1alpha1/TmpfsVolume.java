package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;

/** A fresh in-memory filesystem, counted against the sandbox's memory limit. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class TmpfsVolume {
  @JsonPropertyDescription("Size limit as a byte quantity (e.g. 64Mi). Default: 64Mi.")
  @Pattern(ApiPatterns.BYTE_QUANTITY)
  @Default("64Mi")
  private String size;

  public String getSize() {
    return size;
  }

  public TmpfsVolume setSize(String size) {
    this.size = size;
    return this;
  }
}
