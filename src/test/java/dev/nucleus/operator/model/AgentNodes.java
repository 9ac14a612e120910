package dev.nucleus.operator.model;

import dev.nucleus.api.v1alpha1.NucleusNames;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

/** Test fixtures: agent nodes and the Leases an agent would write for them. */
final class AgentNodes {
  static final Instant NOW = Instant.parse("2026-11-29T20:00:00Z");

  private AgentNodes() {}

  static AgentNode node(String name, int landlockAbi, boolean criu, long committed) {
    return new AgentNode(name, landlockAbi, "v2", criu, false, true, "6.18.0", 0, committed, 8L << 30,
        Map.of("kubernetes.io/hostname", name), NOW.minusSeconds(2), Duration.ofSeconds(15));
  }

  static AgentNode stale(String name) {
    return new AgentNode(name, 7, "v2", true, true, true, "6.18.0", 0, 0, 8L << 30, Map.of(),
        NOW.minusSeconds(60), Duration.ofSeconds(15));
  }

  static Lease lease(String node, Map<String, String> annotations, Instant renewed, Integer durationSeconds) {
    return new LeaseBuilder()
        .withNewMetadata().withName(NucleusNames.agentLeaseName(node)).withNamespace("nucleus-system")
        .withAnnotations(annotations).endMetadata()
        .withNewSpec().withHolderIdentity(node).withLeaseDurationSeconds(durationSeconds)
        .withRenewTime(renewed == null ? null : renewed.atZone(ZoneOffset.UTC)).endSpec()
        .build();
  }
}
