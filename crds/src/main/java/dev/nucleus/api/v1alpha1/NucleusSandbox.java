package dev.nucleus.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** An isolated process tree on a node: the API object the operator places and a node agent runs. */
@Group(NucleusNames.GROUP)
@Version(NucleusNames.VERSION)
@ShortNames("nsb")
@Categories("nucleus")
@AdditionalPrinterColumn(name = "Phase", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Node", jsonPath = ".status.nodeName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Exit code", jsonPath = ".status.exitCode",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.reason", type = AdditionalPrinterColumn.Type.STRING)
public class NucleusSandbox extends CustomResource<NucleusSandboxSpec, NucleusSandboxStatus>
    implements Namespaced {
  /** Overridden only to mark spec required in the schema: an object without one means nothing. */
  @Override
  @Required
  public NucleusSandboxSpec getSpec() {
    return super.getSpec();
  }
}
