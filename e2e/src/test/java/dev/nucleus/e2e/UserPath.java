package dev.nucleus.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nucleus.api.v1alpha1.NucleusNames;

/**
 * The install steps of docs/install.md, as a user types them, each checked the way a user would check it. The
 * chart's Deployment and DaemonSet never get pods here (no kubelet); the operator and agent are started as
 * processes on this machine in their place, with their chart ServiceAccounts' tokens.
 */
final class UserPath {
  private UserPath() {}

  static void install(NucleusOnThisMachine n) {
    n.kubectl("apply", "--server-side", "-f", Repo.file("crds").toString()).orThrow();
    assertThat(n.kubectl("get", "crd", "-o", "name").orThrow().stdout().lines().toList())
        .contains("customresourcedefinition.apiextensions.k8s.io/nucleussandboxes.nucleus.dev",
            "customresourcedefinition.apiextensions.k8s.io/nucleuscheckpoints.nucleus.dev");

    String ns = NucleusOnThisMachine.NAMESPACE;
    n.kubectl("create", "namespace", ns).orThrow();
    n.kubectl("label", "namespace", ns, "pod-security.kubernetes.io/enforce=privileged").orThrow();
    // The CRDs are the user's (applied above, upgraded with kubectl): Helm 4 installs a chart's crds/ by server-side
    // apply and fails on the field-manager conflict with kubectl's, so the chart is installed without them.
    n.plane.helm("install", NucleusOnThisMachine.RELEASE, Repo.file("helm/nucleus").toString(), "-n", ns, "--skip-crds")
        .orThrow();
    assertThat(n.plane.helm("status", NucleusOnThisMachine.RELEASE, "-n", ns).orThrow().stdout()).contains("STATUS: deployed");
    assertThat(n.kubectl("get", "deploy,ds,sa,secret", "-n", ns, "-o", "name").orThrow().stdout().lines().toList())
        .contains("deployment.apps/nucleus-operator", "daemonset.apps/nucleus-agent",
            "serviceaccount/" + NucleusOnThisMachine.OPERATOR_SA, "serviceaccount/" + NucleusOnThisMachine.AGENT_SA,
            "secret/" + NucleusOnThisMachine.SIGNING_SECRET);
    assertThat(n.kubectl("get", "validatingadmissionpolicy", "-o", "name").orThrow().stdout())
        .contains("nucleus-agent-writes");

    n.registerNode();
    n.startOperator();
    n.startAgent();
    n.await("the agent's Lease with its node's labels", n.agent(), () -> n.kubectl("get", "lease",
        NucleusNames.agentLeaseName(n.node), "-n", ns, "-o",
        "jsonpath={.metadata.annotations.nucleus\\.dev/node-labels}").stdout().contains("nucleus.dev/e2e"));
    assertThat(n.kubectl("get", "leases", "-n", ns, "-o", "name").orThrow().stdout().lines().toList())
        .as("the agent's Lease and the operator's leader Lease")
        .contains("lease.coordination.k8s.io/" + NucleusNames.agentLeaseName(n.node));
    assertThat(n.leaseAnnotation(NucleusNames.ANNOTATION_LANDLOCK_ABI)).isNotEmpty();
    assertThat(n.leaseAnnotation(NucleusNames.ANNOTATION_CGROUP_MODE)).isIn("v1", "v2", "hybrid");
  }
}
