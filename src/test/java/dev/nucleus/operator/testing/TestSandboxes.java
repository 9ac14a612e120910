package dev.nucleus.operator.testing;

import dev.nucleus.api.v1alpha1.NucleusSandbox;
import dev.nucleus.api.v1alpha1.NucleusSandboxSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;

/** The sandbox most operator tests create: a name in a namespace running {@code /bin/sleep}, not yet created. */
public final class TestSandboxes {

  private TestSandboxes() {}

  /** A sandbox {@code namespace/name} whose workload sleeps {@code seconds}; callers add labels or spec fields. */
  public static NucleusSandbox sleeping(String namespace, String name, int seconds) {
    var sandbox = new NucleusSandbox();
    sandbox.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    sandbox.setSpec(new NucleusSandboxSpec().setCommand(List.of("/bin/sleep", Integer.toString(seconds))));
    return sandbox;
  }
}
