package dev.nucleus.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A request to freeze a running NucleusSandbox to disk with CRIU, and the record of the image it produced. */
@Group(NucleusNames.GROUP)
@Version(NucleusNames.VERSION)
@ShortNames("nckpt")
@Categories("nucleus")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Sandbox", jsonPath = ".spec.sandboxRef.name",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".status.nodeName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Size", jsonPath = ".status.sizeBytes", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class NucleusCheckpoint extends CustomResource<NucleusCheckpointSpec, NucleusCheckpointStatus>
    implements Namespaced {
  /** Overridden only to mark spec required in the schema: an object without one means nothing. */
  @Override
  @Required
  public NucleusCheckpointSpec getSpec() {
    return super.getSpec();
  }
}
