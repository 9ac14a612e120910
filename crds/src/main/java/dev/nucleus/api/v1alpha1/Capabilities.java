package dev.nucleus.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/** Linux capabilities of a sandbox: all are dropped, then the ones listed are kept. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Capabilities {
  @JsonPropertyDescription("Capabilities to keep on top of drop-all (e.g. CAP_NET_BIND_SERVICE).")
  @Size(max = 41)
  private List<Capability> add;

  public List<Capability> getAdd() {
    return add;
  }

  public Capabilities setAdd(List<Capability> add) {
    this.add = add;
    return this;
  }
}
